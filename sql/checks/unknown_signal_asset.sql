-- unknown_signal_asset: signal rows for assets that have no price bar at all: never eligible.
-- reads:    ml4t.signals, ml4t.prices
-- produces: (asset, signal_rows, first_date)
-- grain:    asset
-- policy:   [data.quality] unknown_signal_asset: "warn" or "fail"
select asset, count(*) as signal_rows, min(date) as first_date
from ml4t.signals
anti join (select distinct asset from ml4t.prices) using (asset)
group by asset
