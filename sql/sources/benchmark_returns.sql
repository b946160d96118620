-- benchmark_returns: the user's benchmark ([data] benchmark) as daily returns on the window's calendar.
-- reads:    ml4t.benchmark_input(date, value), ml4t.calendar(date, date_idx)
-- produces: benchmark_returns(date, return)
-- grain:    window date
-- kind:     "return": `value` is each benchmark row's return from its previous row;
--           "price":  `value` is a price level, turned into returns row over row.
-- timing:   benchmark rows compound into the first window date on or after them, so rows on dates
--           that are not trading dates (or a row missing on a trading date) lose nothing. The first
--           window date's return is 0: like the strategy's cash, the benchmark starts at that close.
with own_returns as (
    select
        date,
        {%- if kind == "return" %}
        value as r
        {%- else %}
        value / lag(value) over (order by date) - 1 as r
        {%- endif %}
    from ml4t.benchmark_input
),

on_calendar as (
    select c.date, b.date as own_date, b.r
    from own_returns as b
    asof join ml4t.calendar as c on b.date <= c.date
),

compounded as (
    select date, product(1 + r order by own_date) - 1 as r
    from on_calendar
    group by date
),

final as (
    select
        c.date,
        case when c.date_idx = 0 then 0.0 else coalesce(r.r, 0.0) end as return
    from ml4t.calendar as c
    left join compounded as r using (date)
)

select * from final
