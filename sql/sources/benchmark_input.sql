-- benchmark_input: the user's benchmark relation ([data] benchmark) with our names and types.
-- reads:    ml4t.input_benchmark (the user's relation)
-- produces: benchmark_input(date, value)
-- grain:    one row per input row (duplicate dates are refused by ml4t_sql.benchmark, not removed)
-- dates:    a DATE, a naive midnight TIMESTAMP, or a time-zone-aware UTC midnight (read as its UTC
--           date, e.g. zipline's benchmark files); `value` is a return or a price (see benchmark_returns).
select
    {%- if utc %}
    cast(timezone('UTC', {{ date | ident }}) as date) as date,
    {%- else %}
    cast({{ date | ident }} as date) as date,
    {%- endif %}
    cast({{ value | ident }} as double) as value
from ml4t.input_benchmark
