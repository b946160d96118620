-- benchmark_coverage: a benchmark that does not cover the backtest window: it starts after the
--                     window's first date or ends before its last.
-- reads:    ml4t.benchmark_input, ml4t.calendar
-- produces: (first_date, last_date, window_start, window_end): one row when it does not cover
-- grain:    one row or none
-- policy:   none: refused
with own as (
    select min(date) as first_date, max(date) as last_date from ml4t.benchmark_input
),

window_dates as (
    select min(date) as window_start, max(date) as window_end from ml4t.calendar
)

select *
from own cross join window_dates
where first_date > window_start or last_date < window_end
