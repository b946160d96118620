-- sweep_grid: one metric of a sweep's variants laid out over two swept keys, for the heatmap.
-- reads:    variants(run_id, variant, name, params), metrics(run_id, variant, metric, value)
-- produces: sweep_grid(run_id, x, y, x_order, y_order, value, n_variants, best_variant)
-- grain:    run x (value of the key $x_key) x (value of the key $y_key)
-- rule:     x and y are the variant's values of $x_key and $y_key (from its params JSON, as text);
--           an empty $y_key (one key swept) gives y NULL: one row of cells. x_order and y_order number the values in the order of the grid (by the first variant that
--           has them). When more keys were swept, a cell holds several variants: value is the best
--           (largest) $metric among them, best_variant the lowest-numbered variant with it, and
--           n_variants how many the cell holds. NULL metric values (NaN in the run) are left out of
--           the best; a cell whose variants all lack the metric has value NULL.
with picked as (
    select
        v.run_id,
        v.variant,
        cast(v.params as json) ->> $x_key as x,
        case when $y_key = '' then null else cast(v.params as json) ->> $y_key end as y,
        case when isnan(m.value) then null else m.value end as value
    from variants as v
    left join metrics as m on m.run_id = v.run_id and m.variant = v.variant and m.metric = $metric
),

firsts as (
    select
        *,
        min(variant) over (partition by run_id, x) as x_first,
        min(variant) over (partition by run_id, y) as y_first
    from picked
),

orders as (
    select
        *,
        dense_rank() over (partition by run_id order by x_first) as x_order,
        dense_rank() over (partition by run_id order by y_first) as y_order
    from firsts
),

final as (
    select
        run_id,
        x,
        y,
        any_value(x_order) as x_order,
        any_value(y_order) as y_order,
        max(value) as value,
        count(*) as n_variants,
        arg_min(variant, (value is null, -value, variant)) as best_variant
    from orders
    group by run_id, x, y
)

select * from final
