-- borrow_fees: the `[data] borrow_fees` input typed: the annual fee (a decimal) on an asset's
--              shorts, static or from each row's date on.
-- reads:    ml4t.input_borrow_fees (the user's relation)
-- produces: borrow_fees(date, asset, fee)   date only when the input is point-in-time
-- grain:    static: asset; point-in-time: date x asset (duplicates refused, not removed)
select
    {%- if dated %}
    {%- if utc %}
    cast(timezone('UTC', f.{{ date | ident }}) as date) as date,
    {%- else %}
    cast(f.{{ date | ident }} as date) as date,
    {%- endif %}
    {%- endif %}
    cast(f.{{ asset | ident }} as varchar) as asset,
    cast(f.{{ fee | ident }} as double) as fee
from ml4t.input_borrow_fees as f
