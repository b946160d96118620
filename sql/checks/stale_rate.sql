-- stale_rate: window dates whose previous window date (the close their interest is on) is after
--             the last row of the rates: the series has ended, its last rate would be carried.
-- reads:    ml4t.calendar(date, date_idx), ml4t.rates(date, rate)
-- produces: (date, previous_date, last_rate_date): each such window date
-- grain:    window date
-- policy:   [data.quality] stale_rate: "fail" or "carry"
with previous as (
    select date, lag(date) over (order by date_idx) as previous_date
    from ml4t.calendar
),

final as (
    select p.date, p.previous_date, r.last_rate_date
    from previous as p
    cross join (select max(date) as last_rate_date from ml4t.{{ relation | ident }}) as r
    where p.previous_date > r.last_rate_date
)

select * from final
