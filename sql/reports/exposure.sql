-- exposure: each run's number of holdings and exposures at every close.
-- reads:    equity(run_id, date, cash, nav, gross_exposure, net_exposure, long_exposure, short_exposure),
--           positions(run_id, date, asset)
-- produces: exposure(run_id, date, holdings, gross_exposure, net_exposure, long_exposure, short_exposure,
--           cash_weight)
-- grain:    run x date
-- rule:     holdings counts the positions held at the close (0 in cash); cash_weight = cash / nav;
--           long_exposure and short_exposure (both >= 0) are the equity table's.
with counts as (
    select run_id, date, count(*) as holdings
    from positions
    group by run_id, date
),

final as (
    select
        e.run_id,
        e.date,
        coalesce(c.holdings, 0) as holdings,
        e.gross_exposure,
        e.net_exposure,
        e.long_exposure,
        e.short_exposure,
        e.cash / e.nav as cash_weight
    from equity as e
    left join counts as c using (run_id, date)
)

select * from final
