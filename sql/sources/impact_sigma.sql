-- impact_sigma: per window date in [$start, $stop) and asset, the sigma of impact for an order
--               filling on that date: the sample standard deviation of the asset's last $window
--               close-to-close returns up to the previous window date's close (its decision).
-- reads:    ml4t.prices(date, asset, close), ml4t.calendar(date, date_idx), ml4t.assets(asset, asset_idx)
-- produces: (date_idx, asset_idx, sigma)
-- rule:     returns over the asset's own consecutive bars (a gap is one return); fewer than
--           $window returns: those there are; fewer than 2: sigma 0; no row without a bar yet
-- grain:    window date x asset
with returns as (
    select
        a.asset_idx,
        p.date,
        p.close / lag(p.close) over (partition by p.asset order by p.date) - 1.0 as ret
    from ml4t.prices as p
    inner join ml4t.assets as a on a.asset = p.asset
),

sigmas as (
    select
        asset_idx,
        date,
        case when count(ret) over recent >= 2 then stddev_samp(ret) over recent else 0.0 end as sigma
    from returns
    window recent as (partition by asset_idx order by date rows between $window - 1 preceding and current row)
),

previous as (
    select date_idx, lag(date) over (order by date_idx) as previous_date
    from ml4t.calendar
),

grid as (
    select p.date_idx, p.previous_date, k.asset_idx
    from previous as p
    cross join ml4t.assets as k
    where p.date_idx >= $start and p.date_idx < $stop and p.previous_date is not null
),

final as (
    select g.date_idx, g.asset_idx, s.sigma
    from grid as g
    asof inner join sigmas as s on g.asset_idx = s.asset_idx and g.previous_date >= s.date
)

select * from final order by date_idx, asset_idx
