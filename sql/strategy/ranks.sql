-- ranks: the rank of each eligible asset at or above its date's cutoff, 1 = highest signal.
-- reads:    universe, cutoffs
-- produces: ranks(date, asset, signal, rank)
-- grain:    date x asset (only assets that can make the top $top_n; the rest cannot be selected)
-- ties:     equal signals rank by asset ascending, so ranks are unique and deterministic.
-- NULLs:    none arrive here (universe keeps finite signals only).
select
    u.date,
    u.asset,
    u.signal,
    row_number() over (partition by u.date order by u.signal desc, u.asset asc) as rank
from universe as u
inner join cutoffs as c on c.date = u.date
where u.signal >= c.cutoff
