-- missing_open: bars with a NULL open and no bad price (flag `is_missing_open`, sources/typed_prices.sql).
-- reads:    ml4t.typed_prices
-- produces: the offending rows
-- grain:    input row
-- policy:   [data.quality] missing_open: "fail", "drop" or "no_fill"
{% macro where() %}is_missing_open{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
