-- nonpositive_level: a benchmark that loses everything or has no level: a return of -100% or less
--                    (kind "return"), or a price of zero or less (kind "price").
-- reads:    ml4t.benchmark_input(date, value)
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused
{% macro where() %}{% if kind == "return" %}value <= -1{% else %}value <= 0{% endif %}{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
