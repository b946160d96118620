-- rebalance_dates: the dates of one rebalance schedule ($schedule), for a strategy's own SQL and the
--                  signal checks.
-- reads:    ml4t.schedule_dates
-- produces: rebalance_dates(date)
-- grain:    date
-- public:   user SQL reads it as `rebalance_dates` (a custom strategy with `rebalance` set)
select date
from ml4t.schedule_dates
where schedule = $schedule
