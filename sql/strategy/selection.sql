-- selection: each variant's legs on each of its rebalance dates: the long leg (top_n, or the top
--            quantile) and the short leg (bottom_n among the assets not in the long leg, or the
--            bottom quantile); the legs of variants with a hold rank come from `held`.
-- reads:    ranks, ml4t.variants, ml4t.schedule_dates, held (with hold ranks)
-- produces: selection(variant, date, asset, signal, grp, vol, leg, n, g_n)
--           leg: 1 long, -1 short; n, g_n: eligible assets of the date and of the asset's group
--           (NULL on the plain top-N path, which needs neither)
-- grain:    variant x rebalance date x selected asset (an asset is never in both legs)
-- rule:     ranks are over the universe, or within the asset's group with group_neutral (then
--           top_n, bottom_n and quantiles apply per group). quantiles q: bucket = ntile(q) over
--           the ranked assets (ties by asset), computed from the rank r of n: the top bucket is
--           r <= ceil(n / q), the bottom one r > n - floor(n / q) (ntile gives the first n mod q
--           buckets one more); with fewer than q assets there is no book (no rows; reported by
--           ml4t_sql.strategy.builtin).
-- ties:     by asset ascending in every order (ranks, the short leg's order).
-- NULLs:    none arrive (universe keeps finite signals); grp is NULL without a group.
{%- if not full %}
select
    v.variant,
    r.date,
    r.asset,
    r.signal,
    r.grp,
    r.vol,
    1 as leg,
    cast(null as bigint) as n,
    cast(null as bigint) as g_n
from ml4t.variants as v
inner join ml4t.schedule_dates as d on d.schedule = v.schedule
inner join ranks as r on r.universe_id = v.universe_id and r.date = d.date
where r.rank <= v.top_n
{%- else %}
with ranked as (
    select
        v.variant,
        v.top_n,
        v.bottom_n,
        v.quantiles,
        v.long_short,
        r.date,
        r.asset,
        r.signal,
        r.grp,
        r.vol,
        r.n,
        r.g_n,
        case when v.group_neutral then r.grp end as part,
        case when v.group_neutral then r.g_rank else r.rank end as lr,
        case when v.group_neutral then r.g_rank_asc else r.rank_asc end as la,
        case when v.group_neutral then r.g_n else r.n end as ln
    from ml4t.variants as v
    inner join ml4t.schedule_dates as d on d.schedule = v.schedule
    inner join ranks as r on r.universe_id = v.universe_id and r.date = d.date
    where v.hold_rank is null and v.hold_rank_short is null
),

longs as (
    select
        *,
        case
            when quantiles is null then lr <= top_n
            else ln >= quantiles and lr <= (ln + quantiles - 1) // quantiles
        end as is_long
    from ranked
    where quantiles is not null or lr <= top_n or la <= bottom_n + top_n
),

legs as (
    select
        *,
        case
            when is_long then 1
            when quantiles is not null and long_short and ln >= quantiles and lr > ln - ln // quantiles then -1
            when quantiles is null and row_number() over (
                partition by variant, date, part, is_long order by signal asc, asset asc
            ) <= bottom_n then -1
        end as leg
    from longs
),

final as (
    select variant, date, asset, signal, grp, vol, leg, n, g_n
    from legs
    where leg is not null
    {%- if hold %}
    union all
    select h.variant, h.date, h.asset, r.signal, r.grp, r.vol, h.leg, r.n, r.g_n
    from held as h
    inner join ml4t.variants as v on v.variant = h.variant
    inner join ranks as r on r.universe_id = v.universe_id and r.date = h.date and r.asset = h.asset
    {%- endif %}
)

select * from final
{%- endif %}
