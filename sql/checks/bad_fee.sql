-- bad_fee: borrow fees that mean nothing as an annual decimal fee: NULL, NaN, infinite or
--          negative (a fee is paid, never earned).
-- reads:    ml4t.borrow_fees([date,] asset, fee)
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused
{% macro where() %}fee is null or not isfinite(fee) or fee < 0{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
