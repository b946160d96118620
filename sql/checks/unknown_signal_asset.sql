-- unknown_signal_asset: signal rows for assets that have no price bar at all: never eligible.
-- reads:    ml4t.signal_spellings (the signals' asset names: sources/spellings.sql), ml4t.prices
-- produces: (asset, signal_rows, first_date)
-- grain:    asset
-- policy:   [data.quality] unknown_signal_asset: "warn" or "fail"
select asset, n_rows as signal_rows, first_date
from ml4t.signal_spellings
anti join (select distinct asset from ml4t.prices) using (asset)
