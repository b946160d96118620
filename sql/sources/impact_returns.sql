-- impact_returns: the returns impact's sigma reads for the fills on window dates [$start, $stop)
--                 (ml4t_sql/engine/sigma.py takes each order's sigma from them): each asset's bars
--                 on window dates $start - 1 .. $stop - 2 (the decisions), and its last $window bars
--                 before window date $start - 1 (as far back as those decisions' windows reach, and
--                 the bar a decision without a bar of its own carries).
-- reads:    ml4t.returns(date, asset, ret), ml4t.calendar(date, date_idx), ml4t.assets(asset, asset_idx)
-- produces: (asset_idx, date_idx, ret)
-- order:    by asset_idx, then date; date_idx NULL on the bars before window date $start - 1
--           (some are before the window, which has no index for them)
-- rule:     the returns of sql/sources/returns.sql: over the asset's own consecutive bars (a gap
--           is one return), back-adjusted by splits and dividends (SPEC 14.3); ret NULL on the
--           asset's first bar
-- grain:    bar (asset x date)
with bars as (
    select a.asset_idx, r.date, c.date_idx, r.ret
    from ml4t.returns as r
    inner join ml4t.assets as a on a.asset = r.asset
    left join ml4t.calendar as c on c.date = r.date
),

first_decision as (
    select min(date) as date from ml4t.calendar where date_idx >= $start - 1
),

decisions as (
    select asset_idx, date, date_idx, ret
    from bars
    where date_idx >= $start - 1 and date_idx <= $stop - 2
),

history as (
    select asset_idx, date, null::bigint as date_idx, ret
    from bars
    where date < (select date from first_decision)
    qualify row_number() over (partition by asset_idx order by date desc) <= $window
),

final as (
    select * from history
    union all
    select * from decisions
)

select asset_idx, date_idx, ret from final order by asset_idx, date
