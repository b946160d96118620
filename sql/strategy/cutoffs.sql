-- cutoffs: per universe and date, the signal of the $top_n-th best eligible asset (the lowest
--          signal that can still be selected by any variant; $top_n is the largest top_n in use).
--          It lets ranks sort a few rows per date instead of the whole universe; ties at the
--          cutoff are all kept, so ranks decides them.
-- reads:    universe
-- produces: cutoffs(universe_id, date, cutoff)
-- grain:    universe x rebalance date
-- rule:     max(signal, n) is the list of the n largest signals, duplicates included; with fewer
--           than n eligible assets it holds them all, and the cutoff is the lowest of them.
-- n:        $top_n, but no more than the largest universe of a date: DuckDB's max(x, n) sets
--           aside n slots per date and takes n < 1,000,000. With a million or more eligible
--           assets on a date and a top_n as large, every asset passes (the cutoff is the lowest).
with capped as (
    select least($top_n, max(n_eligible)) as n
    from (select count(*) as n_eligible from universe group by universe_id, date)
),

final as (
    select
        u.universe_id,
        u.date,
        case
            when c.n < 1000000 then list_min(max(u.signal, least(c.n, 999999)))
            else min(u.signal)
        end as cutoff
    from universe as u
    cross join capped as c
    group by u.universe_id, u.date, c.n
)

select * from final
