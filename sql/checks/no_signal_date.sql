-- no_signal_date: rebalance dates of the window on which no asset with a bar has a finite signal; the
--                 built-in strategy would hold cash there. Dates before the window do not count (a
--                 signal that needs history is NULL there by construction).
-- reads:    ml4t.rebalance_dates, ml4t.signals, and ml4t.prices when the signals are `separate` (a
--           signal row needs a bar; signals inside prices have one each)
-- produces: (date, signal_rows, non_null): the date, its signal rows and how many are not NULL
-- grain:    rebalance date
-- policy:   [data.quality] no_signal_date: "fail" or "cash"
with signal_dates as (
    select
        s.date,
        count(*) as signal_rows,
        count(s.{{ signal | ident }}) as non_null,
        bool_or(
            isfinite(cast(s.{{ signal | ident }} as double))
            {%- if separate %} and p.asset is not null{% endif %}
        ) as has_finite
    from ml4t.signals as s
    inner join ml4t.rebalance_dates as r on r.date = s.date
    {%- if separate %}
    left join ml4t.prices as p on p.date = s.date and p.asset = s.asset
    {%- endif %}
    group by s.date
),

final as (
    select
        r.date,
        coalesce(d.signal_rows, 0) as signal_rows,
        coalesce(d.non_null, 0) as non_null
    from ml4t.rebalance_dates as r
    left join signal_dates as d on d.date = r.date
    where not coalesce(d.has_finite, false)
)

select * from final
