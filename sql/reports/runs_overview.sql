-- runs_overview: one line per run: when, what, and its headline metrics (`ml4t-sql runs`).
-- reads:    runs(run_id, created_at, name, config, start_date, end_date), metrics(run_id, metric, value)
-- produces: runs_overview(run_id, created_at, name, strategy, start_date, end_date, total_return,
--           cagr, sharpe, max_drawdown, annual_turnover, excess_return)
-- grain:    run
-- strategy: "top N by SIGNAL, WEIGHTING, SCHEDULE" for the built-in strategy, "custom SQL, SCHEDULE"
--           for a user's query (SCHEDULE "own dates" when it has none: its targets' dates).
with headline as (
    select
        run_id,
        max(value) filter (where metric = 'total_return') as total_return,
        max(value) filter (where metric = 'cagr') as cagr,
        max(value) filter (where metric = 'sharpe') as sharpe,
        max(value) filter (where metric = 'max_drawdown') as max_drawdown,
        max(value) filter (where metric = 'annual_turnover') as annual_turnover,
        max(value) filter (where metric = 'excess_return') as excess_return
    from metrics
    group by run_id
),

described as (
    select
        run_id,
        created_at,
        name,
        start_date,
        end_date,
        json_extract_string(config, '$.strategy.sql') is not null as is_custom,
        json_extract_string(config, '$.strategy.top_n') as top_n,
        json_extract_string(config, '$.strategy.signal') as signal,
        json_extract_string(config, '$.strategy.weighting') as weighting,
        json_extract_string(config, '$.strategy.rebalance') as rebalance
    from runs
),

final as (
    select
        d.run_id,
        d.created_at,
        d.name,
        case
            when d.is_custom then 'custom SQL, ' || coalesce(d.rebalance, 'own dates')
            else 'top ' || d.top_n || ' by ' || d.signal || ', ' || d.weighting || ', ' || coalesce(d.rebalance, 'daily')
        end as strategy,
        d.start_date,
        d.end_date,
        h.total_return,
        h.cagr,
        h.sharpe,
        h.max_drawdown,
        h.annual_turnover,
        h.excess_return
    from described as d
    left join headline as h using (run_id)
)

select * from final
