-- rate_by_date: per window date, the rates row in force at the previous window date's close (the
--               latest row dated <= it): the rate of the interest booked on that date.
-- reads:    ml4t.calendar(date, date_idx), ml4t.rates(date, rate) (checked: one row per date)
-- produces: (date_idx, rate) for every window date; rate NULL on the first window date and
--           before the first row ([execution] cash_rate applies)
-- grain:    window date
with previous as (
    select date_idx, lag(date) over (order by date_idx) as previous_date
    from ml4t.calendar
),

final as (
    select p.date_idx, r.rate
    from previous as p
    asof left join ml4t.rates as r on p.previous_date >= r.date
)

select * from final order by date_idx
