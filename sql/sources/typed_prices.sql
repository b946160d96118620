-- typed_prices: the user's price rows with our column names, our types and a flag per quality rule.
-- reads:    ml4t.input_prices (the user's relation; column names come from [data.columns])
-- produces: typed_prices(date, asset, open, high, low, close, volume, <flags>, <extra columns>)
-- grain:    one row per input row (duplicate keys are found by validation, not removed here)
-- flags:    is_bad_price     close NULL/NaN/inf/<= 0, open/high/low NaN/inf/<= 0, or volume NaN/inf/< 0
--           is_missing_open  open is NULL (and the row has no bad price)
--           is_inconsistent  high < max(open, close), low > min(open, close) or high < low,
--                            where those values are present (and the row has no bad price)
with source as (
    select
        cast({{ columns.date | ident }} as date) as date,
        cast({{ columns.asset | ident }} as varchar) as asset,
        cast({{ columns.open | ident }} as double) as open,
        {% if columns.high %}cast({{ columns.high | ident }} as double){% else %}cast(null as double){% endif %} as high,
        {% if columns.low %}cast({{ columns.low | ident }} as double){% else %}cast(null as double){% endif %} as low,
        cast({{ columns.close | ident }} as double) as close,
        {% if columns.volume %}cast({{ columns.volume | ident }} as double){% else %}cast(null as double){% endif %} as volume
        {%- for name in extra %},
        {{ name | ident }}
        {%- endfor %}
    from ml4t.input_prices
),

flagged as (
    select
        *,
        (
            close is null or not isfinite(close) or close <= 0
            or coalesce(not isfinite(open) or open <= 0, false)
            or coalesce(not isfinite(high) or high <= 0, false)
            or coalesce(not isfinite(low) or low <= 0, false)
            or coalesce(not isfinite(volume) or volume < 0, false)
        ) as is_bad_price
    from source
),

final as (
    select
        *,
        open is null and not is_bad_price as is_missing_open,
        not is_bad_price and coalesce(
            high < greatest(open, close) or high < close
            or low > least(open, close) or low > close
            or high < low,
            false
        ) as is_inconsistent
    from flagged
)

select * from final
