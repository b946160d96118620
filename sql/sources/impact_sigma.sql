-- impact_sigma: impact's sigma at the bars of the decisions of window dates [$start, $stop): the
--               sample standard deviation of the asset's last $window close-to-close returns up to
--               each bar, for the bars on window dates $start - 1 .. $stop - 2, plus (`carry`) each
--               asset's latest bar before window date $start - 1 (the fold forward-fills them).
-- reads:    ml4t.prices(date, asset, close), ml4t.calendar(date, date_idx), ml4t.assets(asset, asset_idx)
-- produces: (date_idx, asset_idx, sigma, carry): date_idx NULL on carry rows
-- rule:     returns over the asset's own consecutive bars (a gap is one return); fewer than
--           $window returns: those there are; fewer than 2: sigma 0
-- grain:    bar (asset x date), one carry row per asset at most
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

first_decision as (
    select min(date) as date from ml4t.calendar where date_idx >= $start - 1
),

in_chunk as (
    select c.date_idx, s.asset_idx, s.sigma, false as carry
    from sigmas as s
    inner join ml4t.calendar as c on c.date = s.date
    where c.date_idx >= $start - 1 and c.date_idx <= $stop - 2
),

carried as (
    select null::bigint as date_idx, s.asset_idx, arg_max(s.sigma, s.date) as sigma, true as carry
    from sigmas as s
    where s.date < (select date from first_decision)
    group by s.asset_idx
),

final as (
    select * from in_chunk
    union all
    select * from carried
)

select * from final
