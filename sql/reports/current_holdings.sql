-- current_holdings: what each run holds at its last close, with the P&L and age of each position.
-- reads:    positions(run_id, date, asset, shares, close, market_value, weight), trades(run_id, date,
--           asset, side, notional, commission), window_dates, position_spells (its spells)
-- produces: current_holdings(run_id, asset, side, shares, close, market_value, weight, since, days_held, pnl)
-- grain:    run x asset held at the run's last window date
-- rule:     a position's spell is the unbroken run of window dates, ending at the last date, on which
--           the asset is held on the same side (long: shares > 0, short: shares < 0); `since` is its
--           first date and days_held counts its window dates (1 = bought at the last open).
--           pnl = market value at the last close - market value at the close before `since` (0 unless
--           the position flipped side that day) + sold - bought - commission of the asset's trades
--           dated in the spell: the P&L of the position since it was opened, before financing and
--           dividends, so that pnl adds up to the sum of the spell's daily changes in the asset's value.
-- order:    sums add in date order (then value), so the bits do not depend on the order rows arrive in.
with calendar as (
    select run_id, date, k from window_dates
),

last_dates as (
    select run_id, max(k) as last_k from calendar group by run_id
),

held as (
    select p.run_id, p.asset, p.date, c.k, p.shares, p.close, p.market_value, p.weight
    from positions as p
    inner join calendar as c using (run_id, date)
),

spells as (
    select * from position_spells
),

open_spells as (
    select s.*
    from spells as s
    inner join last_dates as l on s.run_id = l.run_id and s.end_k = l.last_k
),

flows as (
    select
        o.run_id,
        o.asset,
        sum(
            case when t.side = 'sell' then t.notional else -t.notional end - t.commission
            order by t.date, t.notional
        ) as net_flow
    from open_spells as o
    inner join calendar as c on c.run_id = o.run_id and c.k >= o.first_k
    inner join trades as t on t.run_id = o.run_id and t.asset = o.asset and t.date = c.date
    group by o.run_id, o.asset
),

before_spell as (
    select o.run_id, o.asset, h.market_value
    from open_spells as o
    inner join held as h on h.run_id = o.run_id and h.asset = o.asset and h.k = o.first_k - 1
),

final as (
    select
        h.run_id,
        h.asset,
        case when h.shares > 0 then 'long' else 'short' end as side,
        h.shares,
        h.close,
        h.market_value,
        h.weight,
        c.date as since,
        o.end_k - o.first_k + 1 as days_held,
        h.market_value - coalesce(b.market_value, 0) + coalesce(f.net_flow, 0) as pnl
    from open_spells as o
    inner join held as h on h.run_id = o.run_id and h.asset = o.asset and h.k = o.end_k
    inner join calendar as c on c.run_id = o.run_id and c.k = o.first_k
    left join before_spell as b on b.run_id = o.run_id and b.asset = o.asset
    left join flows as f on f.run_id = o.run_id and f.asset = o.asset
)

select * from final
