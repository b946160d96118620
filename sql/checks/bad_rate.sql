-- bad_rate: rates that mean nothing as an annual decimal rate: NULL, NaN, infinite, or outside
--           -1 < rate < 1 (5 for 5% is a percent given for a decimal; -100% or less loses more
--           than the balance).
-- reads:    ml4t.rates(date, rate)
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused
{% macro where() %}rate is null or not isfinite(rate) or rate <= -1 or rate >= 1{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
