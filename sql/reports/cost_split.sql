-- cost_split: what each run paid, by kind of cost, in money and in basis points of traded notional.
-- reads:    trades(run_id, notional, commission, slippage_cost{% if impact %}, {{ impact }}{% endif %}),
--           equity(run_id, date, financing{% if dividends %}, dividends{% endif %})
-- produces: cost_split(run_id, kind, paid, bps_of_notional)
-- grain:    run x kind (commission, slippage{% if impact %}, impact{% endif %}, financing{% if dividends %}, dividends{% endif %})
-- rule:     paid > 0 is money paid, < 0 money received: commission, slippage and impact are the trades'
--           sums; financing is minus the equity table's signed financing (interest earned is a negative
--           cost){% if dividends %}; dividends likewise minus the signed dividends (paid by shorts, received by longs){% endif %}.
--           bps_of_notional = paid / traded notional * 1e4 for the trade costs, NULL for the others and
--           when nothing traded.
-- order:    sums add in date order (then value), so the bits do not depend on the order rows arrive in.
with runs_seen as (
    select distinct run_id from equity
),

traded as (
    select
        run_id,
        sum(notional order by date, notional) as notional,
        sum(commission order by date, commission) as commission,
        sum(slippage_cost order by date, slippage_cost) as slippage{% if impact %},
        sum({{ impact | ident }} order by date, {{ impact | ident }}) as impact{% endif %}
    from trades
    group by run_id
),

carried as (
    select
        run_id,
        -sum(financing order by date, financing) as financing{% if dividends %},
        -sum(dividends order by date, dividends) as dividends{% endif %}
    from equity
    group by run_id
),

kinds as (
    select r.run_id, 1 as k, 'commission' as kind, coalesce(t.commission, 0) as paid, t.notional, true as on_trades
    from runs_seen as r left join traded as t using (run_id)
    union all
    select r.run_id, 2, 'slippage', coalesce(t.slippage, 0), t.notional, true
    from runs_seen as r left join traded as t using (run_id)
    {% if impact %}
    union all
    select r.run_id, 3, 'impact', coalesce(t.impact, 0), t.notional, true
    from runs_seen as r left join traded as t using (run_id)
    {% endif %}
    union all
    select run_id, 4, 'financing', financing + 0.0, null, false from carried
    {% if dividends %}
    union all
    select run_id, 5, 'dividends', dividends + 0.0, null, false from carried
    {% endif %}
),

final as (
    select
        run_id,
        kind,
        paid,
        case when on_trades and notional > 0 then paid / notional * 1e4 end as bps_of_notional
    from kinds
    order by run_id, k
)

select * from final
