-- targets: the target weight of each selected asset on each rebalance date, per variant.
-- reads:    selection
-- produces: targets(variant, date, asset, weight)
-- grain:    variant x rebalance date x asset
-- weighting (a column of the variant):
--   equal  = 1/k for each of the k selected assets;
--   signal = signal / sum(signal) over the selected assets with a positive signal
--            (selected assets with signal <= 0 get no weight);
--   inverse_vol = (1 / vol) / sum(1 / vol) over the selected assets (vol > 0: universe.sql).
-- stable:   signal weights divide each signal by the decision's largest first (inverse_vol: each
--           1 / vol by the largest, min(vol) / vol), so each is in (0, 1] and their sum cannot overflow, whatever the
--           signals' size: 1e300 or 1e-300),
--           then sum those exactly, as DECIMAL(38, 28) (at least 1, at most top_n <= 1e9): the
--           same bits whatever order the rows arrive in or how many threads add them up. Equal
--           signals get exactly equal weights.
with weighed as (
    select *
    from selection
    where weighting <> 'signal' or signal > 0
),

relative as (
    select
        variant,
        date,
        asset,
        weighting,
        count(*) over by_decision as k,
        case
            when weighting = 'signal' then signal / max(signal) over by_decision
            when weighting = 'inverse_vol' then min(vol) over by_decision / vol
        end as share
    from weighed
    window by_decision as (partition by variant, date)
),

final as (
    select
        variant,
        date,
        asset,
        case
            when weighting = 'equal' then 1.0 / k
            else share / cast(sum(cast(share as decimal(38, 28))) over by_decision as double)
        end as weight
    from relative
    window by_decision as (partition by variant, date)
)

select * from final
