-- leverage: dates on which a strategy's weights add up to more than 1 (gross leverage is not allowed).
-- reads:    ml4t.raw_targets
-- produces: (date, total_weight)
-- grain:    date
-- policy:   none: refused (1e-9 of slack for float sums)
select date, sum(weight) as total_weight
from ml4t.raw_targets
group by date
having sum(weight) > 1 + 1e-9
