-- targets: the target weight of each selected asset on each rebalance date.
-- reads:    selection
-- produces: targets(date, asset, weight)
-- grain:    rebalance date x asset
-- weighting: {{ weighting }}
--   equal  = 1/k for each of the k selected assets;
--   signal = signal / sum(signal) over the selected assets with a positive signal
--            (selected assets with signal <= 0 get no weight).
{% if weighting == "equal" -%}
select
    date,
    asset,
    1.0 / count(*) over (partition by date) as weight
from selection
{%- elif weighting == "signal" -%}
select
    date,
    asset,
    signal / sum(signal) over (partition by date) as weight
from selection
where signal > 0
{%- endif %}
