-- ranks: the rank of each eligible asset at or above its cutoff, 1 = highest signal, per signal
--        and date.
-- reads:    universe, cutoffs
-- produces: ranks(signal_id, date, asset, signal, rank)
-- grain:    signal x date x asset (only assets that can make a top N; the rest cannot be selected)
-- ties:     equal signals rank by asset ascending, so ranks are unique and deterministic.
-- NULLs:    none arrive here (universe keeps finite signals only).
select
    u.signal_id,
    u.date,
    u.asset,
    u.signal,
    row_number() over (partition by u.signal_id, u.date order by u.signal desc, u.asset asc) as rank
from universe as u
inner join cutoffs as c on c.signal_id = u.signal_id and c.date = u.date
where u.signal >= c.cutoff
