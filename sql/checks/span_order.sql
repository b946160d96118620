-- span_order: membership spans that end before they start (end_date < start_date): empty spans,
--             most likely swapped columns.
-- reads:    ml4t.members (spans: asset, start_date, end_date)
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused
{% macro where() %}end_date < start_date{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
