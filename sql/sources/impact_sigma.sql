-- impact_sigma: impact's sigma at the bars of the decisions of window dates [$start, $stop): the
--               sample standard deviation of the asset's last $window close-to-close returns up to
--               each bar, for the bars on window dates $start - 1 .. $stop - 2, plus (`carry`) each
--               asset's latest bar before window date $start - 1 (the fold forward-fills them).
-- reads:    ml4t.returns(date, asset, ret), ml4t.calendar(date, date_idx), ml4t.assets(asset, asset_idx)
-- produces: (date_idx, asset_idx, sigma, carry): date_idx NULL on carry rows
-- rule:     the returns of sql/sources/returns.sql: over the asset's own consecutive bars (a gap
--           is one return), back-adjusted by splits and dividends (SPEC 14.3); fewer than
--           $window returns: those there are; fewer than 2: sigma 0
-- exact:    the list's standard deviation, in date order (as sql/strategy/volatility.sql): a
--           windowed stddev_samp's last bits on t would depend on the bars after t
-- grain:    bar (asset x date), one carry row per asset at most
with sigmas as (
    select
        a.asset_idx,
        r.date,
        case
            when count(r.ret) over recent >= 2 then list_aggregate(list(r.ret) over recent, 'stddev_samp')
            else 0.0
        end as sigma
    from ml4t.returns as r
    inner join ml4t.assets as a on a.asset = r.asset
    window recent as (partition by r.asset order by r.date rows between $window - 1 preceding and current row)
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
