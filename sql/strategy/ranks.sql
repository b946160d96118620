-- ranks: the rank of each eligible asset at or above its cutoff, 1 = highest signal, per universe
--        and date.
-- reads:    universe, cutoffs
-- produces: ranks(universe_id, date, asset, signal, vol, rank)
-- grain:    universe x date x asset (only assets that can make a top N; the rest cannot be selected)
-- ties:     equal signals rank by asset ascending, so ranks are unique and deterministic.
-- NULLs:    none arrive here (universe keeps finite signals only).
select
    u.universe_id,
    u.date,
    u.asset,
    u.signal,
    u.vol,
    row_number() over (partition by u.universe_id, u.date order by u.signal desc, u.asset asc) as rank
from universe as u
inner join cutoffs as c on c.universe_id = u.universe_id and c.date = u.date
where u.signal >= c.cutoff
