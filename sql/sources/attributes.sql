-- attributes: the `[data] assets` input, typed: each asset's attributes (its group columns).
-- reads:    ml4t.input_assets (the user's relation)
-- produces: attributes(asset, <columns>)
--           (point-in-time: attributes(date, asset, <columns>))
-- grain:    static: asset; point-in-time: date x asset (duplicates refused); a row is in force
--           from its date until the asset's next row
-- columns:  the input's asset and date columns follow [data.columns]; the others pass through.
select
    {%- if dated %}
    cast(a.{{ date | ident }} as date) as date,
    {%- endif %}
    cast(a.{{ asset | ident }} as varchar) as asset
    {%- for name in extra %},
    a.{{ name | ident }}
    {%- endfor %}
from ml4t.input_assets as a
