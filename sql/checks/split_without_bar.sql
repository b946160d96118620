-- split_without_bar: splits on a date the asset has no bar: its raw prices would still be
--                    pre-split on the ex-date while its shares are not (a dividend needs no bar:
--                    it is paid on the previous close's shares).
-- reads:    ml4t.actions, ml4t.prices
-- produces: the offending actions (date, asset, split)
-- grain:    action
-- policy:   none: refused
select x.date, x.asset, x.split
from ml4t.{{ relation | ident }} as x
where x.split <> 1
    and not exists (select 1 from ml4t.prices as p where p.date = x.date and p.asset = x.asset)
