-- position_spells: the unbroken runs of window dates on which a run holds an asset on one side.
-- reads:    positions(run_id, date, asset, shares), window_dates(run_id, date, k)
-- produces: position_spells(run_id, asset, side_sign, first_k, end_k)
-- grain:    run x asset x spell
-- rule:     a spell is a maximal run of consecutive window dates (k) with the asset held on the same
--           side (side_sign = sign(shares): 1 long, -1 short); a flip starts a new spell. Read by
--           sql/reports/current_holdings.sql (open positions) and stop_exits.sql (closed ones).
with held as (
    select
        p.run_id,
        p.asset,
        w.k,
        sign(p.shares) as side_sign,
        w.k - row_number() over (partition by p.run_id, p.asset, sign(p.shares) order by w.k) as island
    from positions as p
    inner join window_dates as w using (run_id, date)
)

select run_id, asset, side_sign, min(k) as first_k, max(k) as end_k
from held
group by run_id, asset, side_sign, island
