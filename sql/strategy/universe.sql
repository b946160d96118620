-- universe: the assets eligible on each date that some variant rebalances on, per signal.
-- reads:    ml4t.signals, ml4t.prices (unless the signals are columns of prices), ml4t.schedule_dates,
--           ml4t.variants
-- produces: universe(signal_id, date, asset, signal)
-- grain:    signal x rebalance date x eligible asset
-- rule:     eligible on t = has a bar on t and a finite signal dated t. NULL, NaN and infinite
--           signals are never ranked. (min_signal applies in selection: removing the lowest
--           signals changes no rank above them.)
-- signals:  signal_id i is the i-th signal column in use, in the order the variants name them.
with needed as (
    select distinct v.signal_id, r.date
    from ml4t.variants as v
    inner join ml4t.schedule_dates as r on r.schedule = v.schedule
),

scored as (
    {%- for column in signals %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select {{ loop.index0 }} as signal_id, date, asset, cast({{ column | ident }} as double) as signal
    from ml4t.signals
    {%- endfor %}
),

final as (
    select s.signal_id, s.date, s.asset, s.signal
    from scored as s
    inner join needed as n on n.signal_id = s.signal_id and n.date = s.date
    {%- if not signals_in_prices %}
    inner join ml4t.prices as p on p.date = s.date and p.asset = s.asset  -- has a bar on t
    {%- endif %}
    where isfinite(s.signal)
)

select * from final
