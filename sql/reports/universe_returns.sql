-- universe_returns: the built-in benchmark, every asset of `prices` equally weighted, rebalanced daily.
-- reads:    prices(date, asset, close), calendar(date, date_idx)
-- produces: universe_returns(date, return, n_assets)
-- grain:    window date
-- rule:     on window date t, the mean close-to-close return of the assets with a bar on t and on
--           the previous trading date (the previous distinct date of `prices`, which may precede the
--           window); no costs. The first window date's return is 0 (the benchmark starts at that
--           close); a date without any such asset has return 0.
with trading_dates as (
    select date, lag(date) over (order by date) as previous_date
    from (select distinct date from prices)
),

asset_returns as (
    select t.date, p.asset, p.close / q.close - 1 as r
    from calendar as c
    inner join trading_dates as t on t.date = c.date
    inner join prices as p on p.date = t.date
    inner join prices as q on q.asset = p.asset and q.date = t.previous_date
    where c.date_idx > 0
),

daily as (
    select date, avg(r order by asset) as r, count(*) as n_assets  -- ordered: bit-identical reruns
    from asset_returns
    group by date
),

final as (
    select
        c.date,
        coalesce(d.r, 0.0) as return,
        coalesce(d.n_assets, 0) as n_assets
    from calendar as c
    left join daily as d using (date)
)

select * from final
