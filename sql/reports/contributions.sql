-- contributions: each asset's profit and loss over a run.
-- reads:    trades(run_id, asset, side, notional, commission), positions(run_id, date, asset, market_value),
--           equity(run_id, date, nav, return)
-- produces: contributions(run_id, asset, pnl, contribution, bought, sold, commission, final_value, days_held)
-- grain:    run x asset that was ever traded or held
-- rule:     pnl = sold - bought - commission + final_value, where bought and sold are trade
--           notionals at fill prices (slippage included), delisting sales included, and
--           final_value is the market value held at the run's last date. Every cash flow is a
--           trade, so the pnl of all assets adds up to final NAV - initial cash.
--           contribution = pnl / initial cash.
-- order:    sums add in date order (then value), so the bits do not depend on the order rows arrive in.
with flows as (
    select
        run_id,
        asset,
        sum(case when side = 'buy' then notional else 0 end order by date, notional) as bought,
        sum(case when side = 'sell' then notional else 0 end order by date, notional) as sold,
        sum(commission order by date, commission) as commission
    from trades
    group by run_id, asset
),

runs_span as (
    select run_id, max(date) as last_date, arg_min(nav / (1 + "return"), date) as initial_cash
    from equity
    group by run_id
),

held as (
    select
        p.run_id,
        p.asset,
        count(*) as days_held,
        sum(case when p.date = r.last_date then p.market_value else 0 end order by p.date, p.market_value)
            as final_value
    from positions as p
    inner join runs_span as r using (run_id)
    group by p.run_id, p.asset
),

final as (
    select
        run_id,
        asset,
        coalesce(f.sold, 0) - coalesce(f.bought, 0) - coalesce(f.commission, 0) + coalesce(h.final_value, 0) as pnl,
        (coalesce(f.sold, 0) - coalesce(f.bought, 0) - coalesce(f.commission, 0) + coalesce(h.final_value, 0))
            / r.initial_cash as contribution,
        coalesce(f.bought, 0) as bought,
        coalesce(f.sold, 0) as sold,
        coalesce(f.commission, 0) as commission,
        coalesce(h.final_value, 0) as final_value,
        coalesce(h.days_held, 0) as days_held
    from flows as f
    full outer join held as h using (run_id, asset)
    inner join runs_span as r using (run_id)
)

select * from final
