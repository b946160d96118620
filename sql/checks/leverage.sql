-- leverage: dates on which a strategy's gross weight sum |w| is above [execution] max_leverage.
-- reads:    ml4t.raw_targets, ml4t.target_limits(max_leverage) (one row, from the configuration)
-- produces: (date, gross_weight)
-- grain:    date
-- policy:   none: refused. Slack: 1e-9 x max(1, max_leverage), for float sums of weights that
--           were meant to add up to the limit exactly (a sum of a few thousand doubles is off by
--           far less; a real breach is far more).
select date, sum(abs(weight)) as gross_weight
from ml4t.raw_targets
group by date
having sum(abs(weight)) > (select max_leverage + 1e-9 * greatest(1, max_leverage) from ml4t.target_limits)
