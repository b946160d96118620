-- bad_price: bars with a price that cannot be traded or valued: a NULL, NaN, infinite, zero or
--            negative close; a NaN, infinite, zero or negative open, high or low; a NaN, infinite
--            or negative volume. The flag `is_bad_price` is computed once, in sources/typed_prices.sql,
--            where the policy view sources/prices.sql drops by it.
-- reads:    ml4t.typed_prices
-- produces: the offending rows
-- grain:    input row
-- policy:   [data.quality] bad_price: "fail" or "drop"
{% macro where() %}is_bad_price{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
