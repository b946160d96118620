-- spellings: each asset name of a relation as it is written, with its rows and first date: what the
--            asset-name rules read (sql/checks/empty_asset.sql, asset_variants.sql,
--            unknown_signal_asset.sql), so that they do not scan every row again.
-- reads:    ml4t.<relation>: typed_prices or signals
-- produces: spellings(asset, n_rows, first_date), as ml4t.price_spellings or ml4t.signal_spellings
-- grain:    asset name (NULL included)
select
    asset,
    count(*) as n_rows,
    min(date) as first_date
from ml4t.{{ relation | ident }}
group by asset
