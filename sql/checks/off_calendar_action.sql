-- off_calendar_action: actions dated, inside the prices' span, on a day that no asset trades (a
--                      weekend, a holiday): an ex-date is a trading date, and the fold would never
--                      see this one. Actions before the first or after the last price date are
--                      never used.
-- reads:    ml4t.actions, ml4t.prices
-- produces: the offending actions (date, asset, split, dividend)
-- grain:    action
-- policy:   none: refused
select x.date, x.asset, x.split, x.dividend
from ml4t.{{ relation | ident }} as x
where x.date between (select min(date) from ml4t.prices) and (select max(date) from ml4t.prices)
    and not exists (select 1 from ml4t.prices as p where p.date = x.date)
