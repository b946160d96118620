-- calendar: the trading dates of the backtest window, numbered from 0.
-- reads:    ml4t.prices
-- produces: calendar(date, date_idx)
-- grain:    date
-- public:   user SQL reads it as `calendar`
-- window:   $start and $end are inclusive bounds; NULL leaves that side open.
with dates as (
    select distinct date from ml4t.prices
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
