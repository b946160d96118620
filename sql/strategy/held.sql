-- held: the legs of every variant with a hold rank, decided date by date (path-dependent).
-- reads:    ranks (full), ml4t.variants, ml4t.schedule_dates
-- produces: held(variant, date, asset, leg)   leg: 1 long, -1 short
-- grain:    variant x rebalance date x selected asset
-- rule:     on the k-th date of the variant's schedule, an asset of the (k-1)-th date's long leg
--           stays while its rank is at most hold_rank; the leg is then filled up to top_n with the
--           best-ranked others (kept ones first, then by rank: one sort). The short leg, the same
--           among the assets not in the long leg, by rank from the lowest signal with
--           hold_rank_short and bottom_n. Ranks are within the asset's group with group_neutral.
--           The previous schedule date's selection is remembered, not the holdings; a date with
--           no eligible asset selects nothing (and so remembers nothing). A leg never exceeds its
--           top_n (bottom_n): with group_neutral, assets that moved into a group are kept by rank.
-- how:      a recursive CTE over each variant's schedule dates; its working table is one row per
--           variant (the two legs as lists), so each step joins one date's candidates. Only the
--           candidates that can be selected enter: rank <= max(hold_rank, 2 top_n) or rank from
--           the bottom <= max(hold_rank_short, 2 bottom_n) + top_n (a kept asset ranks within
--           its hold rank; the fill needs at most top_n others; an asset's short rank is at least
--           its rank from the bottom less top_n). Measured: benchmarks/RESULTS.md.
-- ties:     ranks are unique (ties by asset), so every step is deterministic.
-- NULLs:    `bounded` has one all-NULL row per step (so that a step without candidates still
--           runs); it is never selected.
with recursive steps as materialized (
    select
        v.variant,
        d.date,
        row_number() over (partition by v.variant order by d.date) as k
    from ml4t.variants as v
    inner join ml4t.schedule_dates as d on d.schedule = v.schedule
    where v.hold_rank is not null or v.hold_rank_short is not null
),

candidates as (
    select
        s.variant,
        s.k,
        r.asset,
        r.signal,
        case when v.group_neutral then r.grp end as part,
        case when v.group_neutral then r.g_rank else r.rank end as lr,
        case when v.group_neutral then r.g_rank_asc else r.rank_asc end as la,
        v.top_n,
        v.bottom_n,
        coalesce(v.hold_rank, v.top_n) as hold_long,
        coalesce(v.hold_rank_short, v.bottom_n) as hold_short
    from steps as s
    inner join ml4t.variants as v on v.variant = s.variant
    inner join ranks as r on r.universe_id = v.universe_id and r.date = s.date
),

bounded as materialized (
    select *
    from candidates
    where lr <= greatest(hold_long, 2 * top_n) or la <= greatest(hold_short, 2 * bottom_n) + top_n
    union all  -- one empty row per step, so that a date without candidates still steps on
    select variant, k, null, null, null, null, null, null, null, null, null
    from steps
),

legs (variant, k, longs, shorts) as (
    select distinct variant, 0 as k, []::varchar[] as longs, []::varchar[] as shorts
    from steps
    union all
    select
        variant,
        k,
        coalesce(list(asset order by asset) filter (where leg = 1), []::varchar[]),
        coalesce(list(asset order by asset) filter (where leg = -1), []::varchar[])
    from (
        select
            variant,
            k,
            asset,
            case
                when is_long then 1
                when asset is not null and row_number() over (
                    partition by variant, part, is_long order by kept_short desc, short_rank
                ) <= bottom_n then -1
            end as leg
        from (
            select
                *,
                coalesce(list_contains(shorts, asset), false) and short_rank <= hold_short as kept_short
            from (
                select
                    *,
                    row_number() over (partition by variant, part, is_long order by signal asc, asset asc) as short_rank
                from (
                    select
                        *,
                        asset is not null and row_number() over (
                            partition by variant, part order by kept_long desc, lr
                        ) <= top_n as is_long
                    from (
                        select
                            s.variant,
                            s.k,
                            b.asset,
                            b.signal,
                            b.part,
                            b.lr,
                            b.top_n,
                            b.bottom_n,
                            b.hold_short,
                            l.shorts,
                            coalesce(list_contains(l.longs, b.asset), false) and b.lr <= b.hold_long as kept_long
                        from legs as l
                        inner join steps as s on s.variant = l.variant and s.k = l.k + 1
                        inner join bounded as b on b.variant = s.variant and b.k = s.k
                    )
                )
            )
        )
    )
    group by variant, k
),

final as (
    select l.variant, s.date, unnest(l.longs) as asset, 1 as leg
    from legs as l inner join steps as s on s.variant = l.variant and s.k = l.k
    union all
    select l.variant, s.date, unnest(l.shorts) as asset, -1 as leg
    from legs as l inner join steps as s on s.variant = l.variant and s.k = l.k
)

select * from final
