-- turnover: each run's trading activity and costs per calendar month.
-- reads:    equity(run_id, date, nav, turnover, costs)
-- produces: turnover(run_id, month, turnover, costs, costs_bps)
-- grain:    run x month with at least one window date
-- rule:     month is the first day of the month; turnover and costs are sums of the daily values
--           (turnover = traded notional / previous NAV); costs_bps = costs / mean NAV of the month * 1e4.
select
    run_id,
    cast(date_trunc('month', date) as date) as month,
    sum(turnover) as turnover,
    sum(costs) as costs,
    sum(costs) / avg(nav) * 1e4 as costs_bps
from equity
group by run_id, date_trunc('month', date)
