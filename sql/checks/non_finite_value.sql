-- non_finite_value: rows whose value column is NULL, NaN or infinite (a benchmark's return or price,
--                   a strategy's weight): no arithmetic on it means anything.
-- reads:    ml4t.<relation>: benchmark_input (value) or raw_targets (weight)
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused
{% macro where() %}{{ column | ident }} is null or not isfinite({{ column | ident }}){% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
