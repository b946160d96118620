-- caps: the weights after max_group_weight (a group's share of a leg) and max_weight (one asset).
-- reads:    weights, ml4t.variants
-- produces: caps(variant, date, asset, grp, leg, weight)
-- grain:    variant x rebalance date x selected asset
-- order:    first each group's share of a leg is capped (its assets scaled with it), then each
--           asset within its bucket: its group's share when the variant has group_neutral or
--           max_group_weight, else its leg.
-- water-filling (`waterfill` below, both caps): cut every weight above the cap c to c and spread
--           the excess over the uncapped ones in proportion to their weights, repeat until none
--           exceeds c; if the bucket's k items cannot hold its total E (k c < E) each holds c and
--           the rest stays in cash. Each pass caps at least one more item (the largest uncapped
--           ones; proportional spreading keeps their order), so at most k passes, and the capped
--           items are always a prefix of the weights sorted descending. Done in one pass over that
--           sort (closed form): with S_i the sum of the weights from position i on, the first
--           position i with w_i (E - (i - 1) c) <= c S_i ends the prefix: j = i - 1 items are
--           capped and the others get w (E - j c) / S_(j+1); no such i: all are capped. (While
--           the condition fails the spreading factor (E - j c) / S_(j+1) grows, so the passes
--           stop at exactly that j.)
-- stable:   E and S_i are exact DECIMAL(38, 28) sums (weights are at most 10, sums at most 10
--           per bucket), so the result does not depend on row order; ties in weight sort by
--           item and are capped together (the condition holds or fails for equal weights alike).
-- NULLs:    a NULL cap (the variant has none) leaves the weights as they are.
{% macro waterfill(source, bucket, item, cap) -%}
select
    *,
    case
        when cap is null then w
        when pos <= n_capped then cap
        when rest = 0 then w
        else w * ((total - n_capped * cap) / rest)
    end as capped
from (
    select
        *,
        cast(max(case when pos = n_capped + 1 then suffix end) over (partition by {{ bucket }}) as double) as rest
    from (
        select
            *,
            coalesce(
                min(case when cap is null or w * (total - (pos - 1) * cap) <= cap * suffix then pos end)
                    over (partition by {{ bucket }}) - 1,
                count(*) over (partition by {{ bucket }})
            ) as n_capped
        from (
            select
                *,
                {{ cap }} as cap,
                row_number() over by_weight as pos,
                cast(sum(cast(w as decimal(38, 28))) over (
                    by_weight rows between current row and unbounded following
                ) as double) as suffix,
                cast(sum(cast(w as decimal(38, 28))) over (partition by {{ bucket }}) as double) as total
            from {{ source }}
            window by_weight as (partition by {{ bucket }} order by w desc, {{ item }} asc)
        )
    )
)
{%- endmacro %}
with group_totals as (
    select
        w.variant,
        w.date,
        w.leg,
        w.grp,
        cast(sum(cast(w.weight as decimal(38, 28))) as double) as w,
        any_value(v.max_group_weight) as max_group_weight
    from weights as w
    inner join ml4t.variants as v on v.variant = w.variant
    where v.max_group_weight is not null
    group by w.variant, w.date, w.leg, w.grp
),

capped_groups as (
    {{ waterfill("group_totals", "variant, date, leg", "grp", "max_group_weight") | indent(4) }}
),

scaled as (
    select
        w.variant,
        w.date,
        w.asset,
        w.grp,
        w.leg,
        w.weight * coalesce(g.capped / nullif(g.w, 0), 1.0) as w,
        case when v.group_neutral or v.max_group_weight is not null then w.grp end as part,
        v.max_weight
    from weights as w
    inner join ml4t.variants as v on v.variant = w.variant
    left join capped_groups as g
        on v.max_group_weight is not null
        and g.variant = w.variant and g.date = w.date and g.leg = w.leg and g.grp is not distinct from w.grp
),

capped_assets as (
    {{ waterfill("scaled", "variant, date, leg, part", "asset", "max_weight") | indent(4) }}
),

final as (
    select variant, date, asset, grp, leg, capped as weight
    from capped_assets
)

select * from final
