-- signals: the signal rows, keyed like prices; a signal dated t is known after the close of t.
-- reads:    ml4t.input_signals (the user's relation), or ml4t.prices when the signal columns sit in
--           prices; with `fold`, ml4t.signal_folds(asset, folds_into) (asset_variants = "fold")
-- produces: signals(date, asset, <signal columns>)
-- grain:    date x asset (validation refuses duplicate keys)
-- public:   user SQL reads it as `signals`
{% if from_prices -%}
select * exclude (open, high, low, close, volume) from ml4t.prices
{%- else -%}
select
    cast(s.{{ date | ident }} as date) as date,
    {%- if fold %}
    coalesce(f.folds_into, cast(s.{{ asset | ident }} as varchar)) as asset
    {%- else %}
    cast(s.{{ asset | ident }} as varchar) as asset
    {%- endif %}
    {%- for name in extra %},
    s.{{ name | ident }}
    {%- endfor %}
from ml4t.input_signals as s
{%- if fold %}
left join ml4t.signal_folds as f on f.asset = cast(s.{{ asset | ident }} as varchar)
{%- endif %}
{%- endif %}
