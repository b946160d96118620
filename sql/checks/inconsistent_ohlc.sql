-- inconsistent_ohlc: bars whose prices contradict each other: high below max(open, close), low above
--                    min(open, close), or high below low, where present (flag `is_inconsistent`,
--                    sources/typed_prices.sql).
-- reads:    ml4t.typed_prices
-- produces: the offending rows
-- grain:    input row
-- policy:   [data.quality] inconsistent_ohlc: "fail", "drop" or "keep"
{% macro where() %}is_inconsistent{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
