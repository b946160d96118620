-- missing_group: assets that pass every other filter of a grouped universe on one of its rebalance
--                dates but have no group on that date (no row of `[data] assets` in force, or a
--                NULL value): not eligible that date.
-- reads:    ml4t.ungrouped (strategy/universe.sql rendered with `ungrouped`: exactly those rows)
-- produces: (date, asset, universes): each such asset and date once, with how many universes it
--           misses
-- grain:    date x asset
-- policy:   [data.quality] missing_group: "warn" (default) or "fail"
select date, asset, count(*) as universes
from ml4t.{{ relation | ident }}
group by date, asset
