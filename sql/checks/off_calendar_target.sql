-- off_calendar_target: a strategy's target rows dated on days that are not trading dates of prices.
-- reads:    ml4t.raw_targets, ml4t.prices
-- produces: the offending rows
-- grain:    target row
-- policy:   none: refused
select *
from ml4t.raw_targets
anti join (select distinct date from ml4t.prices) using (date)
