-- unpriced_target: a strategy's nonzero targets, dated in the window, for an asset with no price bar
--                  in the window on or before the target date: nothing to buy it at or value it by.
-- reads:    ml4t.raw_targets, ml4t.prices, ml4t.calendar
-- produces: the offending rows
-- grain:    target row
-- policy:   none: refused
select t.*
from ml4t.raw_targets as t
where t.weight <> 0
    and t.date >= (select min(date) from ml4t.calendar)
    and not exists (
        select 1 from ml4t.prices as p
        where p.asset = t.asset and p.date <= t.date and p.date >= (select min(date) from ml4t.calendar)
    )
