-- quantile_returns: each quantile's mean forward return per horizon, over dates (alphalens'
--           mean_return_by_quantile, demeaned=False: the mean of the per-date means).
-- reads:    ml4t.quantile_daily_returns
-- produces: quantile_returns(horizon, quantile, n_dates, mean_fwd_return, std_fwd_return)
-- grain:    horizon x quantile
-- order:    aggregates add in date order (the same bits on every run).
-- NULLs:    std_fwd_return (sample, ddof 1, of the per-date means) is NULL on fewer than 2 dates.
select
    horizon,
    quantile,
    count(*) as n_dates,
    avg(mean_fwd_return order by date) as mean_fwd_return,
    case when count(*) >= 2 then stddev_samp(mean_fwd_return order by date) end as std_fwd_return
from ml4t.quantile_daily_returns
group by horizon, quantile
