-- equity_curve: each run's NAV next to its benchmarks, and the excess-return curve.
-- reads:    equity(run_id, date, nav, return), benchmark(run_id, series, date, nav, is_primary)
-- produces: equity_curve(run_id, date, nav, growth, benchmark_nav, universe_nav, excess_return)
-- grain:    run x date
-- growth:   nav / initial cash (the initial cash is the first nav before its return, which is 0).
-- excess:   growth of the run / growth of its primary benchmark - 1 (both start at the first
--           date's close); NULL for runs without a `benchmark` table.
with initial as (
    select run_id, arg_min(nav / (1 + "return"), date) as initial_cash
    from equity
    group by run_id
),

bench as (
    select
        run_id,
        date,
        max(nav) filter (where is_primary) as benchmark_nav,
        max(nav) filter (where series = 'universe') as universe_nav
    from benchmark
    group by run_id, date
),

final as (
    select
        e.run_id,
        e.date,
        e.nav,
        e.nav / i.initial_cash as growth,
        b.benchmark_nav,
        b.universe_nav,
        e.nav / b.benchmark_nav - 1 as excess_return
    from equity as e
    inner join initial as i using (run_id)
    left join bench as b using (run_id, date)
)

select * from final
