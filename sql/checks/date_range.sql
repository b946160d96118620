-- date_range: rows dated outside the years every reader of the tables supports (0001-01-01 to
--             9999-12-31), or at an infinite date: DuckDB accepts 'infinity'::date and years such as
--             10000 or 1 BC; Python, Arrow consumers and the report cannot hold them.
-- reads:    ml4t.<relation>: typed_prices, signals or benchmark_input (a DATE column `date`)
-- produces: the offending rows, their date as text (as DuckDB writes it: 'infinity', '10000-01-01')
-- grain:    input row
-- policy:   none: refused
{% macro where() %}not isfinite(date) or date < date '0001-01-01' or date > date '9999-12-31'{% endmacro %}
select * replace (cast(date as varchar) as date) from ml4t.{{ relation | ident }} where {{ where() }}
