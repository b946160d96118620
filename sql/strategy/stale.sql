-- stale: the assets that a `stale = "hold"` variant keeps on a rebalance date if it holds them:
--        those it targeted on an earlier rebalance date that have no bar or no finite signal on
--        this one (the fold keeps their shares; step keep_stale, docs/SEMANTICS.md).
-- reads:    ml4t.variants, ml4t.rebalance, ml4t.final_targets, ml4t.signals, ml4t.prices (unless the
--           signals are columns of prices)
-- produces: stale(variant, date, asset)
-- grain:    variant x rebalance date x asset
-- rule:     an asset is held on t only if some earlier decision targeted it, so the assets once
--           targeted before t are every asset the variant can hold on t; of those, the ones with
--           a bar and a finite signal dated t are fresh (the strategy decides them), the rest stale.
with hold as (
    select variant, signal_id
    from ml4t.variants
    where stale = 'hold'
),

first_targeted as (
    select t.variant, t.asset, min(t.date) as first_date
    from ml4t.final_targets as t
    semi join hold as h on h.variant = t.variant
    where t.weight <> 0
    group by t.variant, t.asset
),

candidates as (
    select r.variant, h.signal_id, r.date, f.asset
    from ml4t.rebalance as r
    inner join hold as h on h.variant = r.variant
    inner join first_targeted as f on f.variant = r.variant and f.first_date < r.date
),

fresh as (
    {%- for column in signals %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select {{ loop.index0 }} as signal_id, s.date, s.asset
    from ml4t.signals as s
    {%- if not signals_in_prices %}
    inner join ml4t.prices as p on p.date = s.date and p.asset = s.asset  -- has a bar on t
    {%- endif %}
    where isfinite(cast(s.{{ column | ident }} as double))
    {%- endfor %}
),

final as (
    select c.variant, c.date, c.asset
    from candidates as c
    anti join fresh as f on f.signal_id = c.signal_id and f.date = c.date and f.asset = c.asset
)

select * from final
