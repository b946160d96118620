-- signal_coverage: how many assets have a bar, and how many also a finite signal, on each window date.
-- reads:    ml4t.calendar, ml4t.prices, ml4t.factor
-- produces: signal_coverage(date, n_bars, n_signals)
-- grain:    window date (every one, 0 where nothing is there)
with bars as (
    select date, count(*) as n_bars from ml4t.prices group by date
),

signals as (
    select date, count(*) as n_signals from ml4t.factor group by date
),

final as (
    select
        c.date,
        coalesce(b.n_bars, 0) as n_bars,
        coalesce(s.n_signals, 0) as n_signals
    from ml4t.calendar as c
    left join bars as b on b.date = c.date
    left join signals as s on s.date = c.date
)

select * from final
