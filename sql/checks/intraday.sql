-- intraday: timestamps with a time of day, where daily bars need one row per date. Naive timestamps
--           must be midnights; with `utc`, time-zone-aware timestamps must be UTC midnights.
-- reads:    ml4t.<relation>: an input as the user gave it (input_prices, input_signals, input_benchmark)
-- produces: the offending timestamps, as `ts`
-- grain:    input row
-- policy:   none: refused
{% macro where() %}{% if utc %}cast(timezone('UTC', {{ column | ident }}) as time){% else %}cast({{ column | ident }} as time){% endif %} <> time '00:00:00'{% endmacro %}
select {{ column | ident }} as ts from ml4t.{{ relation | ident }} where {{ where() }}
