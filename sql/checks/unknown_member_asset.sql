-- unknown_member_asset: assets of `[data] universe` that have no price bar at all: never eligible
--                       (a misspelled ticker, or a member the prices do not cover).
-- reads:    ml4t.members, ml4t.prices
-- produces: (asset, member_rows)
-- grain:    asset
-- policy:   warned about (the run's report counts them)
select asset, count(*) as member_rows
from ml4t.{{ relation | ident }}
where asset is not null
group by asset
having asset not in (select distinct asset from ml4t.prices)
