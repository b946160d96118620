-- duplicate_key: keys that more than one row has: the relation's grain is its key, and a second row
--                for the same key would be a second bar, signal or weight for one date and asset.
-- reads:    ml4t.<relation>: typed_prices, signals, benchmark_input or raw_targets
-- produces: (<keys>, copies): each duplicated key and how many rows have it
-- grain:    duplicated key
-- policy:   none: refused
select
    {%- for key in keys %}
    {{ key | ident }},
    {%- endfor %}
    count(*) as copies
from ml4t.{{ relation | ident }}
group by all
having count(*) > 1
