-- weights: each selected asset's weight within its leg, before caps.
-- reads:    selection, ml4t.variants
-- produces: weights(variant, date, asset, grp, leg, weight)
--           weight >= 0: the leg's sign is applied in targets
-- grain:    variant x rebalance date x selected asset
-- bucket:   a leg of a date, or with group_neutral each group's part of it; a bucket's weights
--           sum to its exposure: long_exposure (the long leg) or short_exposure (the short leg),
--           times n_group / n with group_neutral (the group's eligible assets over the date's;
--           a group whose leg is empty leaves its share in cash).
-- weighting (a column of the variant), x = the asset's part before normalizing:
--   equal       = 1/k of the bucket for each of its k assets;
--   signal      = max(signal, 0) on the long leg, max(-signal, 0) on the short leg; assets with
--                 x = 0 get no row (a bucket without a positive part is empty);
--   rank        = the bucket's k assets ordered from the most extreme signal (highest for long,
--                 lowest for short; ties by asset) get k, k-1, ..., 1;
--   inverse_vol = 1 / vol (an asset whose vol is NULL or 0 gets no row; the universe keeps
--                 only assets with a positive vol for inverse_vol variants).
-- stable:   each x is divided by the bucket's largest first (signal: x / max x; rank: x / k;
--           inverse_vol: min vol / vol), so each is in (0, 1] and their sum cannot overflow,
--           then summed exactly as DECIMAL(38, 28) (at least 1, at most k <= 1e9): the same bits
--           whatever order the rows arrive in. Equal x get exactly equal weights.
-- ties:     rank weighting orders equal signals by asset; equal x get equal weights.
-- NULLs:    none: selection has finite signals; vol is set (and positive) for inverse_vol variants.
with legs as (
    select
        s.variant,
        s.date,
        s.asset,
        s.grp,
        s.leg,
        s.signal * s.leg as x,
        s.vol,
        v.weighting,
        case when v.group_neutral then s.grp end as part,
        case when s.leg = 1 then v.long_exposure else v.short_exposure end
        * case when v.group_neutral then cast(s.g_n as double) / s.n else 1.0 end as exposure
    from selection as s
    inner join ml4t.variants as v on v.variant = s.variant
),

weighed as (
    select *
    from legs
    where (weighting <> 'signal' or x > 0)
        and (weighting <> 'inverse_vol' or vol > 0)  -- no vol, or a zero one: nothing to weigh by
),

relative as (
    select
        variant,
        date,
        asset,
        grp,
        leg,
        weighting,
        exposure,
        count(*) over by_bucket as k,
        case
            when weighting = 'signal' then x / max(x) over by_bucket
            when weighting = 'rank' then cast(
                count(*) over by_bucket - row_number() over (partition by variant, date, leg, part order by x desc, asset asc) + 1
                as double
            ) / count(*) over by_bucket
            when weighting = 'inverse_vol' then min(vol) over by_bucket / vol
        end as share,
        part
    from weighed
    window by_bucket as (partition by variant, date, leg, part)
),

final as (
    select
        variant,
        date,
        asset,
        grp,
        leg,
        case
            when weighting = 'equal' then 1.0 / k
            else share / cast(sum(cast(share as decimal(38, 28))) over by_bucket as double)
        end * exposure as weight
    from relative
    window by_bucket as (partition by variant, date, leg, part)
)

select * from final
