-- assets: the assets with a bar in the backtest window, numbered from 0 in name order.
-- reads:    ml4t.prices, ml4t.calendar
-- produces: assets(asset, asset_idx)
-- grain:    asset
with in_window as (
    select distinct asset
    from ml4t.prices
    semi join ml4t.calendar using (date)
),

final as (
    select
        asset,
        row_number() over (order by asset) - 1 as asset_idx
    from in_window
)

select * from final
