-- off_calendar_action: actions dated on a day that no asset trades (a weekend, a holiday): an
--                      ex-date is a trading date, and the fold would never see this one.
-- reads:    ml4t.actions, ml4t.prices
-- produces: the offending actions (date, asset, split, dividend)
-- grain:    action
-- policy:   none: refused
select x.date, x.asset, x.split, x.dividend
from ml4t.{{ relation | ident }} as x
where x.date is not null
    and not exists (select 1 from ml4t.prices as p where p.date = x.date)
