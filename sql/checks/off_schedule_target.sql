-- off_schedule_target: a strategy's target rows dated in the window on trading dates that are not
--                      rebalance dates of its `rebalance` schedule: they are ignored.
-- reads:    ml4t.raw_targets, ml4t.calendar, ml4t.rebalance_dates
-- produces: (date, asset, weight): the ignored rows
-- grain:    target row
-- policy:   none: a warning (the rows are ignored, as docs/SEMANTICS.md says), never a refusal
select cast(t.date as date) as date, t.asset, cast(t.weight as double) as weight
from ml4t.raw_targets as t
where cast(t.date as date) in (select date from ml4t.calendar)
    and cast(t.date as date) not in (select date from ml4t.rebalance_dates)
