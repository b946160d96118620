-- first_signal_date: the first trading date on which any asset with a bar has a finite signal;
--                   where `[execution] start = "auto"` starts a built-in strategy's window.
-- reads:    ml4t.signals, and ml4t.prices when the signals are `separate` (a signal row needs a
--           bar; signals inside prices have one each)
-- produces: (date): one row, NULL when no date up to $end has a finite signal
-- grain:    one row
-- signals:  every signal a sweep's variants rank by (the window is one for all of them)
with finite as (
    select s.date
    from ml4t.signals as s
    {%- if separate %}
    semi join ml4t.prices as p using (date, asset)
    {%- endif %}
    where ($end::date is null or s.date <= $end::date)
        and (
            {%- for signal in signals %}
            {% if not loop.first %}or {% endif %}isfinite(cast(s.{{ signal | ident }} as double))
            {%- endfor %}
        )
),

final as (
    select min(date) as date from finite
)

select * from final
