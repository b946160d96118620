-- intraday: timestamps with a time of day, where daily bars need one row per date. Naive timestamps
--           must be midnights; with `utc`, time-zone-aware timestamps must be UTC midnights.
-- reads:    ml4t.<relation>: an input as the user gave it (input_prices, input_signals, input_benchmark)
-- produces: the offending rows: the `asset` column (when the input has one) and the timestamp,
--           under the input's own column names
-- grain:    input row
-- policy:   none: refused ([data] bar_time = "date" takes the date part of prices and signals instead)
{% macro where() %}{% if utc %}cast(timezone('UTC', {{ column | ident }}) as time){% else %}cast({{ column | ident }} as time){% endif %} <> time '00:00:00'{% endmacro %}
select {% if asset %}{{ asset | ident }}, {% endif %}{{ column | ident }}
from ml4t.{{ relation | ident }}
where {{ where() }}
