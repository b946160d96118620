-- forward_returns: FORWARD-LOOKING, for signal research only. The open-to-open return of each
--           asset over the h window dates after the open that follows date t:
--           fwd_return = open(t+1+h) / open(t+1) - 1, t+1 the next window date. No strategy or
--           backtest relation reads it: it is made only on a research run's own connection (and
--           tests/test_research.py checks that no strategy SQL or module names it).
-- reads:    ml4t.calendar, ml4t.prices; $horizons (a list of whole numbers of dates)
-- produces: forward_returns(date, asset, horizon, fwd_return)
-- grain:    window date x asset with a bar on t x horizon
-- NULLs:    fwd_return is NULL when the asset has no bar (or a NULL open) on t+1 or on t+1+h, or
--           when t+1+h is past the window's last date. Dates count on the window's calendar,
--           whatever bars the asset has.
with bars as (
    select
        p.asset,
        c.date,
        c.date_idx,
        p.open
    from ml4t.prices as p
    inner join ml4t.calendar as c on c.date = p.date
),

horizons as (
    select unnest($horizons::integer[]) as horizon
),

final as (
    select
        b.date,
        b.asset,
        h.horizon,
        x.open / e.open - 1 as fwd_return
    from bars as b
    cross join horizons as h
    left join bars as e on e.asset = b.asset and e.date_idx = b.date_idx + 1
    left join bars as x on x.asset = b.asset and x.date_idx = b.date_idx + 1 + h.horizon
)

select * from final
