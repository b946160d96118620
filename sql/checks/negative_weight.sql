-- negative_weight: a strategy's target rows with a negative weight (a short), checked unless
--                  [execution] allow_short = true.
-- reads:    ml4t.raw_targets(date, asset, weight)
-- produces: the offending rows
-- grain:    target row
-- policy:   none: refused
{% macro where() %}weight < 0{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
