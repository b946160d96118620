-- universe: the assets eligible on each date that some variant rebalances on, per universe.
-- reads:    ml4t.signals, ml4t.prices, ml4t.schedule_dates, ml4t.variants
-- produces: universe(universe_id, date, asset, signal, grp, vol)
-- grain:    universe x rebalance date x eligible asset
-- rule:     eligible on t = has a bar on t and a finite signal dated t (above the universe's
--           min_signal when it has one). NULL, NaN and infinite signals are never ranked.
-- universe: universes[i] (made by ml4t_sql.strategy.builtin) = a signal column, a min_signal, an
--           optional group column of prices and, for inverse_vol, a vol_window ($vol_window_<i>).
--           grp = the group column's value on t as text (NULL without a group); vol = the sample
--           standard deviation (ddof 1) of the asset's last vol_window close-to-close returns over
--           its own consecutive bars up to t (NULL unless the universe weighs by inverse_vol; an
--           asset with fewer returns, or a vol of 0, is not eligible then).
with needed as (
    select distinct v.universe_id, r.date
    from ml4t.variants as v
    inner join ml4t.schedule_dates as r on r.schedule = v.schedule
),

{%- if universes | selectattr('vol_window') | list %}

returns as (
    select
        asset,
        date,
        close / lag(close) over (partition by asset order by date) - 1 as ret,
        row_number() over (partition by asset order by date) - 1 as n_returns
    from ml4t.prices
),
{%- endif %}

scored as (
    {%- for u in universes %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        {{ loop.index0 }} as universe_id,
        s.date,
        s.asset,
        cast(s.{{ u.signal | ident }} as double) as signal,
        {% if u.group is none %}cast(null as varchar){% else %}cast(p.{{ u.group | ident }} as varchar){% endif %} as grp,
        {% if u.vol_window is none -%}
        cast(null as double) as vol
        {%- else -%}
        r.vol
        {%- endif %}
    from ml4t.signals as s
    {%- if u.group is not none or not signals_in_prices %}
    inner join ml4t.prices as p on p.date = s.date and p.asset = s.asset  -- has a bar on t
    {%- endif %}
    {%- if u.vol_window is not none %}
    inner join (
        select
            asset,
            date,
            n_returns,
            stddev_samp(ret) over (
                partition by asset order by date rows between $vol_window_{{ loop.index0 }} - 1 preceding and current row
            ) as vol
        from returns
    ) as r on r.date = s.date and r.asset = s.asset
    {%- endif %}
    where isfinite(cast(s.{{ u.signal | ident }} as double))
        {%- if u.min_signal %}
        and cast(s.{{ u.signal | ident }} as double) > $min_signal_{{ loop.index0 }}
        {%- endif %}
        {%- if u.group is not none %}
        and p.{{ u.group | ident }} is not null  -- with a group, an asset without one is not eligible
        {%- endif %}
        {%- if u.vol_window is not none %}
        and r.n_returns >= $vol_window_{{ loop.index0 }}  -- fewer returns: not eligible
        and r.vol > 0  -- constant closes: nothing to weigh by
        {%- endif %}
    {%- endfor %}
),

final as (
    select s.universe_id, s.date, s.asset, s.signal, s.grp, s.vol
    from scored as s
    inner join needed as n on n.universe_id = s.universe_id and n.date = s.date
)

select * from final
