-- momentum_12_1: 12-1 momentum, the classic cross-sectional signal, computed from prices in SQL.
-- reads:    prices (the validated price view of the run)
-- produces: (date, asset, momentum)
-- grain:    date x asset
-- rule:     the return from 252 to 21 bars before t: it skips the most recent month (short-term
--           reversal) and uses only closes dated <= t, so it is known after the close of t.
--           NULL until an asset has 253 bars; NULL signals are never eligible.
select
    date,
    asset,
    lag(close, 21) over by_asset / lag(close, 252) over by_asset - 1 as momentum
from prices
window by_asset as (partition by asset order by date)
