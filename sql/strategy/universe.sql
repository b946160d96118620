-- universe: the assets eligible on each rebalance date, with their signal.
-- reads:    signals, prices (unless the signals are columns of prices), rebalance_dates
-- produces: universe(date, asset, signal)
-- grain:    rebalance date x eligible asset
-- rule:     eligible on t = has a bar on t and a finite signal dated t (and, when min_signal
--           is set, signal > min_signal). NULL, NaN and infinite signals are never ranked.
with scored as (
    select
        s.date,
        s.asset,
        cast(s.{{ signal | ident }} as double) as signal
    from signals as s
    inner join rebalance_dates as r on r.date = s.date
    {%- if not signals_in_prices %}
    inner join prices as p on p.date = s.date and p.asset = s.asset  -- has a bar on t
    {%- endif %}
),

final as (
    select date, asset, signal
    from scored
    where isfinite(signal)
        {%- if has_min_signal %}
        and signal > $min_signal
        {%- endif %}
)

select * from final
