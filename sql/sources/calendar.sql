-- calendar: the trading dates of the backtest window, numbered from 0.
-- reads:    prices
-- produces: calendar(date, date_idx)
-- grain:    date
-- window:   $start and $end are inclusive bounds; NULL leaves that side open.
with dates as (
    select distinct date from prices
),

in_window as (
    select date
    from dates
    where ($start::date is null or date >= $start::date)
        and ($end::date is null or date <= $end::date)
),

final as (
    select
        date,
        row_number() over (order by date) - 1 as date_idx
    from in_window
)

select * from final
