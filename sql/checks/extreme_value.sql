-- extreme_value: finite prices above $max_price or below $min_price (and positive), or a volume above
--                $max_volume: the NAV arithmetic on them would overflow or lose every digit (the
--                bounds and why: docs/DATA_QUALITY.md). Zero, negative and non-finite values are
--                bad_price's, not this rule's.
-- reads:    ml4t.<relation>: typed_prices (open, high, low, close, volume) or benchmark_input (value)
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused
-- columns:  the price columns to check; `volume`: whether there is a volume column
{% macro outside(c) %}({{ c | ident }} > $max_price and isfinite({{ c | ident }})) or ({{ c | ident }} > 0 and {{ c | ident }} < $min_price){% endmacro %}
{% macro where() %}{% for c in columns %}{{ outside(c) }} or {% endfor %}{% if volume %}(volume > $max_volume and isfinite(volume)){% else %}false{% endif %}{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
