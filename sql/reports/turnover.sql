-- turnover: each run's trading activity and costs per calendar month.
-- reads:    equity(run_id, date, nav, turnover, costs)
-- produces: turnover(run_id, month, turnover, costs, costs_bps)
-- grain:    run x month with at least one window date
-- rule:     month is the first day of the month; turnover and costs are sums of the daily values
--           (turnover = traded notional / previous NAV); costs_bps = costs / mean NAV of the month * 1e4.
-- order:    sums add in date order (then value), so the bits do not depend on the order rows arrive in.
select
    run_id,
    cast(date_trunc('month', date) as date) as month,
    sum(turnover order by date, turnover) as turnover,
    sum(costs order by date, costs) as costs,
    sum(costs order by date, costs) / avg(nav order by date, nav) * 1e4 as costs_bps
from equity
group by run_id, date_trunc('month', date)
