-- prices: validated daily bars, after the data-quality policies of [data.quality].
-- reads:    ml4t.typed_prices
-- produces: prices(date, asset, open, high, low, close, volume, <extra columns>)
-- grain:    date x asset (unique: validation refuses duplicate keys before this view is used)
-- policies: rows flagged by a rule whose policy is "drop" are removed; "no_fill" keeps a NULL-open
--           bar (its close counts, no order fills at its open); "keep" keeps an inconsistent bar.
--           A rule whose policy is "fail" has no flagged rows left when this view is read.
-- public:   user SQL reads it as `prices`
with final as (
    select
        date, asset, open, high, low, close, volume
        {%- for name in extra %},
        {{ name | ident }}
        {%- endfor %}
    from ml4t.typed_prices
    where not is_bad_price
        {%- if quality.missing_open == "drop" %}
        and not is_missing_open
        {%- endif %}
        {%- if quality.inconsistent_ohlc == "drop" %}
        and not is_inconsistent
        {%- endif %}
)

select * from final
