-- stop_exit_totals: how many positions each position rule closed, and their P&L.
-- reads:    stop_exits(run_id, date, rule, pnl)
-- produces: stop_exit_totals(run_id, rule, exits, pnl, mean_pnl, winners)
-- grain:    run x rule (the rules with at least one exit)
-- rule:     pnl sums the exits' pnl (sql/reports/stop_exits.sql), mean_pnl = pnl / exits, winners
--           counts the exits whose pnl > 0.
-- order:    sums add in date order (then value), so the bits do not depend on the order rows arrive in.
with final as (
    select
        run_id,
        rule,
        count(*) as exits,
        sum(pnl order by date, pnl) as pnl,
        sum(pnl order by date, pnl) / count(*) as mean_pnl,
        count(*) filter (where pnl > 0) as winners
    from stop_exits
    group by run_id, rule
)

select * from final
