-- split_without_bar: splits inside the asset's price history on a date it has no bar: its raw
--                    prices would still be pre-split on the ex-date while its shares are not (a
--                    dividend needs no bar: it is paid on the previous close's shares). Splits
--                    before the asset's first bar or after its last are never used.
-- reads:    ml4t.actions, ml4t.prices
-- produces: the offending actions (date, asset, split)
-- grain:    action
-- policy:   none: refused
with spans as (
    select asset, min(date) as first_date, max(date) as last_date
    from ml4t.prices
    group by asset
)
select x.date, x.asset, x.split
from ml4t.{{ relation | ident }} as x
inner join spans as s on s.asset = x.asset
where x.split <> 1
    and x.date between s.first_date and s.last_date
    and not exists (select 1 from ml4t.prices as p where p.date = x.date and p.asset = x.asset)
