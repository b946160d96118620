-- quantile_spread: top minus bottom quantile mean forward return, per date and horizon.
-- reads:    ml4t.quantile_daily_returns; $quantiles (the top quantile's number)
-- produces: quantile_spread(date, horizon, top_return, bottom_return, spread)
-- grain:    date x horizon on which both the top ($quantiles) and the bottom (1) quantile have a
--           forward return
with top as (
    select date, horizon, mean_fwd_return from ml4t.quantile_daily_returns where quantile = $quantiles
),

bottom as (
    select date, horizon, mean_fwd_return from ml4t.quantile_daily_returns where quantile = 1
),

final as (
    select
        t.date,
        t.horizon,
        t.mean_fwd_return as top_return,
        b.mean_fwd_return as bottom_return,
        t.mean_fwd_return - b.mean_fwd_return as spread
    from top as t
    inner join bottom as b on b.date = t.date and b.horizon = t.horizon
)

select * from final
