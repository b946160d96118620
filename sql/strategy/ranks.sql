-- ranks: each eligible asset's rank within its date, 1 = highest signal.
-- reads:    universe
-- produces: ranks(date, asset, signal, rank)
-- grain:    date x asset
-- ties:     equal signals rank by asset ascending, so ranks are unique and deterministic.
-- NULLs:    none arrive here (universe keeps finite signals only).
select
    date,
    asset,
    signal,
    row_number() over (partition by date order by signal desc, asset asc) as rank
from universe
