-- rates: the `[data] rates` input with our names and types: the annual rate on positive cash
--        (a decimal) from each row's date on.
-- reads:    ml4t.input_rates (the user's relation)
-- produces: rates(date, rate)
-- grain:    one row per input row (duplicate dates are refused by sql/checks/duplicate_key.sql)
-- dates:    a DATE, a naive midnight TIMESTAMP or a UTC midnight (read as its UTC date)
select
    {%- if utc %}
    cast(timezone('UTC', {{ date | ident }}) as date) as date,
    {%- else %}
    cast({{ date | ident }} as date) as date,
    {%- endif %}
    cast({{ rate | ident }} as double) as rate
from ml4t.input_rates
