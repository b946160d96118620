-- targets: the target weight of each selected asset on each rebalance date, per variant.
-- reads:    selection
-- produces: targets(variant, date, asset, weight)
-- grain:    variant x rebalance date x asset
-- weighting (a column of the variant):
--   equal  = 1/k for each of the k selected assets;
--   signal = signal / sum(signal) over the selected assets with a positive signal
--            (selected assets with signal <= 0 get no weight).
with weighed as (
    select *
    from selection
    where weighting = 'equal' or signal > 0
),

final as (
    select
        variant,
        date,
        asset,
        case
            when weighting = 'equal' then 1.0 / count(*) over by_decision
            else signal / sum(signal) over by_decision
        end as weight
    from weighed
    window by_decision as (partition by variant, date)
)

select * from final
