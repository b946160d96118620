-- extreme_value: finite prices above $max_price or below $min_price (and positive), or a volume above
--                $max_volume: the NAV arithmetic on them would overflow or lose every digit (the
--                bounds and why: docs/DATA_QUALITY.md). Zero, negative and non-finite values are
--                bad_price's, not this rule's.
-- reads:    ml4t.<relation>: typed_prices (open, high, low, close, volume) or benchmark_input (value)
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused
-- columns:  the price columns to check; `volume`: whether there is a volume column
{% macro outside(column) %}coalesce(isfinite({{ column | ident }}) and ({{ column | ident }} > $max_price or ({{ column | ident }} > 0 and {{ column | ident }} < $min_price)), false){% endmacro %}
{% macro where() %}{% for column in columns %}{{ outside(column) }}{% if not loop.last %} or {% endif %}{% endfor %}{% if volume %} or coalesce(isfinite(volume) and volume > $max_volume, false){% endif %}{% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
