-- fill_volume: per window date in [$start, $stop) and asset with a bar, the bar's volume (what
--              `max_participation` and impact measure an order against).
-- reads:    ml4t.prices(date, asset, volume), ml4t.calendar(date, date_idx), ml4t.assets(asset, asset_idx)
-- produces: (date_idx, asset_idx, volume)
-- rule:     a NULL volume stays NULL (the order fills nothing); no row without a bar
-- grain:    window date x asset
with final as (
    select c.date_idx, a.asset_idx, p.volume
    from ml4t.prices as p
    inner join ml4t.calendar as c on c.date = p.date
    inner join ml4t.assets as a on a.asset = p.asset
    where c.date_idx >= $start and c.date_idx < $stop
)

select * from final
