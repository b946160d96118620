-- trade_blotter: each run's most recent fills, newest first, for the tearsheet's blotter.
-- reads:    trades(run_id, date, asset, side, shares, price, notional, commission, slippage_cost, reason, ...)
-- produces: trade_blotter(run_id, n, every trades column after run_id)
-- grain:    run x fill, the $limit latest fills of each run
-- rule:     n = 1 for the newest fill; fills are ordered by date (newest first), then asset, then reason
--           (a unique order: the trades table's key is run x date x asset x reason).
select
    row_number() over (partition by run_id order by date desc, asset, reason) as n,
    *
from trades
qualify n <= $limit
