-- window_dates: each run's window dates, numbered (k = 1 on the first).
-- reads:    equity(run_id, date)
-- produces: window_dates(run_id, date, k)
-- grain:    run x window date
select run_id, date, row_number() over (partition by run_id order by date) as k
from equity
