-- stop_exits: every exit of a position rule (stop_loss, take_profit, trailing_stop), with the P&L
--           of the position it closed.
-- reads:    events(run_id, date, asset, rule), trades(run_id, date, asset, side, notional, commission, reason),
--           positions(run_id, date, asset, market_value), window_dates, position_spells
-- produces: stop_exits(run_id, date, asset, rule, side, shares, price, since, pnl)
-- grain:    run x exit (date x asset): one events row of a position rule and its exit fill
-- rule:     side and shares are the exit fill's (a long position's exit sells); the position's spell
--           is the unbroken run of window dates before the exit on which the asset was held on the
--           side the exit closes (empty for a position entered at the exit date's open); `since` is
--           the spell's first date (the exit date when empty). pnl = sold - bought - commission of
--           the asset's trades dated from `since` to the exit date, exit included, less the market
--           value at the close before `since` (0 unless the position flipped side that day): the
--           P&L of the position from its opening to its exit, as sql/reports/current_holdings.sql
--           counts an open one's, before financing and dividends.
-- order:    sums add in date order (then value), so the bits do not depend on the order rows arrive in.
with calendar as (
    select run_id, date, k from window_dates
),

exits as (
    select
        e.run_id,
        e.date,
        e.asset,
        e.rule,
        t.side,
        t.shares,
        t.price,
        c.k,
        case when t.side = 'sell' then 1 else -1 end as side_sign
    from events as e
    inner join trades as t on t.run_id = e.run_id and t.date = e.date and t.asset = e.asset and t.reason = e.rule
    inner join calendar as c on c.run_id = e.run_id and c.date = e.date
    where e.rule in ('stop_loss', 'take_profit', 'trailing_stop')
),

held as (
    select p.run_id, p.asset, c.k, p.market_value
    from positions as p
    inner join calendar as c using (run_id, date)
),

spells as (
    select * from position_spells
),

opened as (
    select x.*, coalesce(s.first_k, x.k) as first_k
    from exits as x
    left join spells as s
        on s.run_id = x.run_id and s.asset = x.asset and s.side_sign = x.side_sign and s.end_k = x.k - 1
),

flows as (
    select
        o.run_id,
        o.asset,
        o.k,
        sum(
            case when t.side = 'sell' then t.notional else -t.notional end - t.commission
            order by t.date, t.notional
        ) as net_flow
    from opened as o
    inner join calendar as c on c.run_id = o.run_id and c.k between o.first_k and o.k
    inner join trades as t on t.run_id = o.run_id and t.asset = o.asset and t.date = c.date
    group by o.run_id, o.asset, o.k
),

final as (
    select
        o.run_id,
        o.date,
        o.asset,
        o.rule,
        o.side,
        o.shares,
        o.price,
        c.date as since,
        coalesce(f.net_flow, 0) - coalesce(b.market_value, 0) as pnl
    from opened as o
    inner join calendar as c on c.run_id = o.run_id and c.k = o.first_k
    left join held as b on b.run_id = o.run_id and b.asset = o.asset and b.k = o.first_k - 1
    left join flows as f on f.run_id = o.run_id and f.asset = o.asset and f.k = o.k
)

select * from final
