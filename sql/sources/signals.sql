-- signals: the signal rows, keyed like prices; a signal dated t is known after the close of t.
-- reads:    input_signals (the user's relation), or prices when the signal columns sit in prices
-- produces: signals(date, asset, <signal columns>)
-- grain:    date x asset (validation refuses duplicate keys)
{% if from_prices -%}
select * exclude (open, high, low, close, volume) from prices
{%- else -%}
select
    cast({{ date | ident }} as date) as date,
    cast({{ asset | ident }} as varchar) as asset,
    * exclude ({{ date | ident }}, {{ asset | ident }})
from input_signals
{%- endif %}
