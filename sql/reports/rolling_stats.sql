-- rolling_stats: each run's trailing volatility and Sharpe ratio.
-- reads:    equity(run_id, date, return)
-- produces: rolling_stats(run_id, date, volatility, sharpe)
-- grain:    run x date
-- rule:     over the $window dates ending at date (126 = six months); NULL until a full window.
--           volatility = stddev_samp(return) * sqrt($periods_per_year); sharpe =
--           (avg(return) - $risk_free) / stddev_samp(return) * sqrt($periods_per_year), with
--           $risk_free the rate of one trading date: the definitions of ml4t_sql.stats.
with windowed as (
    select
        run_id,
        date,
        count(*) over w as n,
        avg("return") over w as mean_return,
        stddev_samp("return") over w as sd
    from equity
    window w as (partition by run_id order by date rows between $window - 1 preceding and current row)
),

final as (
    select
        run_id,
        date,
        case when n = $window then sd * sqrt($periods_per_year) end as volatility,
        case when n = $window and sd > 0 then (mean_return - $risk_free) / sd * sqrt($periods_per_year) end as sharpe
    from windowed
)

select * from final
