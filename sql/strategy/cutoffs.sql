-- cutoffs: per rebalance date, the signal of the $top_n-th best eligible asset (the lowest
--          signal that can still be selected). It lets ranks sort a few rows per date instead of
--          the whole universe; ties at the cutoff are all kept, so ranks decides them.
-- reads:    universe
-- produces: cutoffs(date, cutoff)
-- grain:    rebalance date
-- rule:     max(signal, n) is the list of the n largest signals, duplicates included; with fewer
--           than n eligible assets it holds them all, and the cutoff is the lowest of them.
select
    date,
    list_min(max(signal, $top_n)) as cutoff
from universe
group by date
