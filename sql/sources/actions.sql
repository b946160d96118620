-- actions: the `[data] actions` input typed: corporate actions on raw prices, by ex-date.
-- reads:    ml4t.input_actions (the user's relation)
-- produces: actions(date, asset, split, dividend)
-- grain:    date x asset (duplicates are refused by sql/checks/duplicate_key.sql)
-- dates:    a DATE, a naive midnight TIMESTAMP or a UTC midnight (read as its UTC date)
-- defaults: a missing or NULL split is 1 (none), a missing or NULL dividend 0 (none)
select
    {%- if utc %}
    cast(timezone('UTC', x.{{ date | ident }}) as date) as date,
    {%- else %}
    cast(x.{{ date | ident }} as date) as date,
    {%- endif %}
    cast(x.{{ asset | ident }} as varchar) as asset,
    {%- if split %}
    coalesce(cast(x.{{ split | ident }} as double), 1.0) as split,
    {%- else %}
    1.0 as split,
    {%- endif %}
    {%- if dividend %}
    coalesce(cast(x.{{ dividend | ident }} as double), 0.0) as dividend
    {%- else %}
    0.0 as dividend
    {%- endif %}
from ml4t.input_actions as x
