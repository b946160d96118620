-- targets: the signed target weight of each selected asset on each rebalance date, per variant.
-- reads:    caps (when a variant has max_weight or max_group_weight), else weights
-- produces: targets(variant, date, asset, weight)   long > 0, short < 0
-- grain:    variant x rebalance date x asset
-- rule:     weight = leg x the leg's weight; a zero weight (a zero exposure) is no row.
-- NULLs:    none (weights are finite and non-negative).
select
    variant,
    date,
    asset,
    leg * weight as weight
from {{ source | ident }}
where weight > 0
