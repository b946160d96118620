-- dividends_from_adj_close: the cash dividends that Yahoo's Adj Close implies, as `[data] actions`.
-- reads:    prices (with the extra column adj_close: Yahoo's split- and dividend-adjusted close)
-- produces: (date, asset, split, dividend): one row per ex-date
-- grain:    date x asset
-- rule:     m = adj_close / close is constant between Yahoo's adjustments and steps up on an
--           ex-date e (Yahoo multiplies every earlier close by 1 - dividend / previous close), so
--           dividend = close[e - 1] x (1 - m[e - 1] / m[e]). Steps below 1e-5 are rounding noise
--           (about 1e-6 with 6-decimal prices). split is 1: Yahoo's Close is split-adjusted already.
with steps as (
    select
        date,
        asset,
        lag(close) over by_date as previous_close,
        lag(adj_close / close) over by_date / (adj_close / close) as ratio
    from prices
    window by_date as (partition by asset order by date)
)

select date, asset, 1.0::double as split, previous_close * (1 - ratio) as dividend
from steps
where abs(1 - ratio) > 1e-5
order by date, asset
