-- bad_dividend: dividends that mean nothing as cash per old share: NaN, infinite or negative (a
--               NULL dividend is 0: none).
-- reads:    ml4t.actions(date, asset, split, dividend)
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused
{% macro where() %}not isfinite(dividend) or dividend < 0{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
