-- drawdowns: each run's underwater curve.
-- reads:    equity(run_id, date, nav, return)
-- produces: drawdowns(run_id, date, nav, peak, drawdown)
-- grain:    run x date
-- rule:     peak = the running max of NAV, starting at the initial cash (the first nav before its
--           return); drawdown = nav / peak - 1 (<= 0). Its minimum is the metric max_drawdown.
with ordered as (
    select
        run_id,
        date,
        nav,
        first(nav / (1 + "return")) over (partition by run_id order by date) as initial_cash,
        max(nav) over (partition by run_id order by date rows between unbounded preceding and current row) as high
    from equity
),

final as (
    select
        run_id,
        date,
        nav,
        greatest(high, initial_cash) as peak,
        nav / greatest(high, initial_cash) - 1 as drawdown
    from ordered
)

select * from final
