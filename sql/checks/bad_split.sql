-- bad_split: split ratios that mean nothing as new shares per old share: NaN, infinite, zero or
--            negative (a NULL split is 1: no split).
-- reads:    ml4t.actions(date, asset, split, dividend)
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused
{% macro where() %}not isfinite(split) or split <= 0{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
