-- cutoffs: per signal and date, the signal of the $top_n-th best eligible asset (the lowest
--          signal that can still be selected by any variant; $top_n is the largest top_n in use).
--          It lets ranks sort a few rows per date instead of the whole universe; ties at the
--          cutoff are all kept, so ranks decides them.
-- reads:    universe
-- produces: cutoffs(signal_id, date, cutoff)
-- grain:    signal x rebalance date
-- rule:     max(signal, n) is the list of the n largest signals, duplicates included; with fewer
--           than n eligible assets it holds them all, and the cutoff is the lowest of them.
select
    signal_id,
    date,
    list_min(max(signal, $top_n)) as cutoff
from universe
group by signal_id, date
