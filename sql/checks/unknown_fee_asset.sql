-- unknown_fee_asset: borrow fees for assets that have no price bar at all: never used.
-- reads:    ml4t.borrow_fees, ml4t.prices
-- produces: (asset, fee_rows)
-- grain:    asset
-- policy:   [data.quality] unknown_fee_asset: "warn" or "fail"
select asset, count(*) as fee_rows
from ml4t.{{ relation | ident }}
where asset is not null
    and asset not in (select distinct asset from ml4t.prices)
group by asset
