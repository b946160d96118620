-- rebalance: the rebalance dates of every variant of the built-in strategy (its schedule's dates).
-- reads:    ml4t.variants, ml4t.schedule_dates
-- produces: rebalance(variant, date)
-- grain:    variant x date
select
    v.variant,
    d.date
from ml4t.variants as v
inner join ml4t.schedule_dates as d on d.schedule = v.schedule
