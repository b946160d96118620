-- null_key: rows with a NULL key column (a missing date or asset): they belong to no date or asset.
-- reads:    ml4t.<relation>: typed_prices, signals, benchmark_input or raw_targets
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused
-- keys:     the relation's key columns, e.g. (date, asset)
{% macro where() %}{% for key in keys %}{{ key | ident }} is null{% if not loop.last %} or {% endif %}{% endfor %}{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
