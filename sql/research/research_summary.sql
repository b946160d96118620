-- research_summary: the signal's headline figures per horizon: IC and rank IC statistics over
--           dates, and the mean top-minus-bottom quantile spread.
-- reads:    ml4t.information_coefficient, ml4t.quantile_spread; $horizons
-- produces: research_summary(horizon, n_dates, mean_ic, ic_std, ic_ir, ic_t_stat, ic_hit_rate,
--           mean_rank_ic, rank_ic_std, rank_ic_ir, rank_ic_t_stat, rank_ic_hit_rate, n_spread_dates,
--           mean_spread, spread_t_stat)
-- grain:    horizon (every configured one)
-- stats:    over the dates with a non-NULL value: mean; std = sample standard deviation (ddof 1);
--           ir = mean / std; t_stat = mean / (std / sqrt(n)) = ir * sqrt(n) (a one-sample t-test
--           of mean 0, as alphalens' ttest_1samp); hit_rate = share of dates with a value > 0 (above
--           1e-12: a correlation that is 0 but for rounding is not a hit).
-- order:    aggregates add in date order (the same bits on every run).
-- NULLs:    std, ir and t_stat are NULL on fewer than 2 dates or a std of 0; everything is NULL
--           (n 0) for a horizon with no date.
with horizons as (
    select unnest($horizons::integer[]) as horizon
),

ic as (
    select
        horizon,
        count(ic) as n_ic,
        avg(ic order by date) as mean_ic,
        stddev_samp(ic order by date) as ic_std,
        avg(case when ic > 1e-12 then 1.0 when ic is not null then 0.0 end) as ic_hit_rate,
        count(rank_ic) as n_rank,
        avg(rank_ic order by date) as mean_rank_ic,
        stddev_samp(rank_ic order by date) as rank_ic_std,
        avg(case when rank_ic > 1e-12 then 1.0 when rank_ic is not null then 0.0 end) as rank_ic_hit_rate
    from ml4t.information_coefficient
    group by horizon
),

spread as (
    select
        horizon,
        count(spread) as n_spread,
        avg(spread order by date) as mean_spread,
        stddev_samp(spread order by date) as spread_std
    from ml4t.quantile_spread
    group by horizon
),

final as (
    select
        h.horizon,
        coalesce(i.n_rank, 0) as n_dates,
        i.mean_ic,
        case when i.n_ic >= 2 then i.ic_std end as ic_std,
        case when i.n_ic >= 2 and i.ic_std > 0 then i.mean_ic / i.ic_std end as ic_ir,
        case when i.n_ic >= 2 and i.ic_std > 0 then i.mean_ic / i.ic_std * sqrt(i.n_ic) end as ic_t_stat,
        i.ic_hit_rate,
        i.mean_rank_ic,
        case when i.n_rank >= 2 then i.rank_ic_std end as rank_ic_std,
        case when i.n_rank >= 2 and i.rank_ic_std > 0 then i.mean_rank_ic / i.rank_ic_std end as rank_ic_ir,
        case
            when i.n_rank >= 2 and i.rank_ic_std > 0 then i.mean_rank_ic / i.rank_ic_std * sqrt(i.n_rank)
        end as rank_ic_t_stat,
        i.rank_ic_hit_rate,
        coalesce(s.n_spread, 0) as n_spread_dates,
        s.mean_spread,
        case
            when s.n_spread >= 2 and s.spread_std > 0 then s.mean_spread / s.spread_std * sqrt(s.n_spread)
        end as spread_t_stat
    from horizons as h
    left join ic as i on i.horizon = h.horizon
    left join spread as s on s.horizon = h.horizon
)

select * from final
