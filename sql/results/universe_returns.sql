-- universe_returns: the built-in benchmark, every asset of `prices` equally weighted, rebalanced daily.
-- reads:    ml4t.prices(date, asset, close), ml4t.calendar(date, date_idx), ml4t.assets(asset, asset_idx)
-- produces: universe_returns(date, return, n_assets)
-- grain:    window date
-- rule:     on window date t, the mean close-to-close return of the assets with a bar on t and on
--           the previous window date; no costs. The first window date's return is 0 (the
--           benchmark starts at that close); a date without any such asset has return 0.
-- speed:    bars are keyed by the window's integer indices, so the self-join hashes integers;
--           returns are rounded to 1e-18 before they are summed exactly.
with bars as (
    select c.date_idx, a.asset_idx, p.close
    from ml4t.prices as p
    inner join ml4t.calendar as c on c.date = p.date
    inner join ml4t.assets as a on a.asset = p.asset
),

asset_returns as (
    select today.date_idx, today.asset_idx, today.close / before.close - 1 as r
    from bars as today
    inner join bars as before
        on before.asset_idx = today.asset_idx and before.date_idx = today.date_idx - 1
),

daily as (
    -- the mean as an exact DECIMAL sum: the same bits whatever order the rows arrive in (no sort)
    select date_idx, cast(sum(cast(r as decimal(38, 18))) / count(*) as double) as r, count(*) as n_assets
    from asset_returns
    group by date_idx
),

final as (
    select
        c.date,
        coalesce(d.r, 0.0) as return,
        coalesce(d.n_assets, 0) as n_assets
    from ml4t.calendar as c
    left join daily as d using (date_idx)
)

select * from final
