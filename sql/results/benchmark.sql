-- benchmark: a run's benchmark series with their NAVs (the run table `benchmark`, without run_id).
-- reads:    ml4t.universe_returns(date, return), ml4t.benchmark_returns(date, return) with [data] benchmark
-- produces: benchmark(series, date, return, nav, is_primary)
-- grain:    series x window date
-- nav:      $initial_cash invested at the first date's close (whose return is 0), compounded.
-- primary:  $primary names the series that alpha, beta, tracking error and information ratio use.
with series as (
    select 'universe' as series, date, return from ml4t.universe_returns
    {%- if has_benchmark %}
    union all
    select 'benchmark' as series, date, return from ml4t.benchmark_returns
    {%- endif %}
),

final as (
    select
        series,
        date,
        return,
        $initial_cash * product(1 + return) over (
            partition by series order by date rows between unbounded preceding and current row
        ) as nav,
        series = $primary as is_primary
    from series
)

select * from final
