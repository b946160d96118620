-- quantile_daily_returns: the mean forward return of each signal quantile, per date and horizon.
-- reads:    ml4t.factor, ml4t.forward_returns
-- produces: quantile_daily_returns(date, horizon, quantile, n_assets, mean_fwd_return)
-- grain:    date x horizon x quantile with at least one asset whose forward return is not NULL
-- order:    the mean adds in asset order (the same bits on every run).
-- NULLs:    assets with a NULL forward return are left out of the mean (their quantile was set
--           among every asset with a finite signal: quantiles do not depend on the future).
select
    f.date,
    r.horizon,
    f.quantile,
    count(*) as n_assets,
    avg(r.fwd_return order by f.asset) as mean_fwd_return
from ml4t.factor as f
inner join ml4t.forward_returns as r on r.date = f.date and r.asset = f.asset
where r.fwd_return is not null
group by f.date, r.horizon, f.quantile
