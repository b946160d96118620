-- monthly_returns: each run's return per calendar month, next to its primary benchmark's.
-- reads:    equity(run_id, date, return), benchmark(run_id, date, return, is_primary)
-- produces: monthly_returns(run_id, year, month, return, benchmark_return)
-- grain:    run x month with at least one window date
-- rule:     product(1 + daily return) - 1 over the month's window dates; benchmark_return is NULL
--           for runs without a `benchmark` table.
-- order:    products multiply in date order (then value, for a sweep's variants), so the bits do
--           not depend on the order rows arrive in.
with daily as (
    select e.run_id, e.date, e."return", b."return" as benchmark_return
    from equity as e
    left join benchmark as b on b.run_id = e.run_id and b.date = e.date and b.is_primary
),

final as (
    select
        run_id,
        year(date) as year,
        month(date) as month,
        product(1 + "return" order by date, "return") - 1 as "return",
        product(1 + benchmark_return order by date, benchmark_return) - 1 as benchmark_return
    from daily
    group by run_id, year(date), month(date)
)

select * from final
