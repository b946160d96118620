-- annual_returns: each run's return per calendar year, next to its primary benchmark's.
-- reads:    equity(run_id, date, return), benchmark(run_id, date, return, is_primary)
-- produces: annual_returns(run_id, year, return, benchmark_return, excess_return)
-- grain:    run x year with at least one window date
-- rule:     product(1 + daily return) - 1 over the year's window dates (partial first and last
--           years included); excess_return = (1 + return) / (1 + benchmark_return) - 1.
-- order:    products multiply in date order (then value, for a sweep's variants), so the bits do
--           not depend on the order rows arrive in.
with daily as (
    select e.run_id, e.date, e."return", b."return" as benchmark_return
    from equity as e
    left join benchmark as b on b.run_id = e.run_id and b.date = e.date and b.is_primary
),

yearly as (
    select
        run_id,
        year(date) as year,
        product(1 + "return" order by date, "return") - 1 as "return",
        product(1 + benchmark_return order by date, benchmark_return) - 1 as benchmark_return
    from daily
    group by run_id, year(date)
),

final as (
    select *, (1 + "return") / (1 + benchmark_return) - 1 as excess_return
    from yearly
)

select * from final
