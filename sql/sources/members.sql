-- members: the `[data] universe` input, typed: which assets belong to the built-in strategy's
--          universe, and when.
-- reads:    ml4t.input_universe (the user's relation)
-- produces: members(asset, start_date, end_date)
--           (snapshots: members(date, asset))
-- grain:    spans: one row per span (an asset may have several, never overlapping: refused);
--           snapshots: date x asset (duplicates refused)
-- columns:  the input's asset and date columns follow [data.columns]; other columns are ignored.
{%- if spans %}
select
    cast({{ asset | ident }} as varchar) as asset,
    cast(start_date as date) as start_date,
    cast(end_date as date) as end_date
from ml4t.input_universe
{%- else %}
select
    cast({{ date | ident }} as date) as date,
    cast({{ asset | ident }} as varchar) as asset
from ml4t.input_universe
{%- endif %}
