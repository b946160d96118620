-- carry: each run's financing{% if dividends %} and dividends{% endif %} per calendar month, and their running totals.
-- reads:    equity(run_id, date, financing{% if dividends %}, dividends{% endif %})
-- produces: carry(run_id, month, financing, cumulative_financing{% if dividends %}, dividends, cumulative_dividends{% endif %})
-- grain:    run x month with at least one window date
-- rule:     month is the first day of the month; financing (signed: + earned, - paid) is the sum of the
--           month's daily values and cumulative_financing the sum up to and including the month{% if dividends %};
--           dividends likewise (signed: + received by longs, - paid by shorts){% endif %}.
-- order:    sums add in date order (then value), so the bits do not depend on the order rows arrive in.
with monthly as (
    select
        run_id,
        cast(date_trunc('month', date) as date) as month,
        sum(financing order by date, financing) as financing{% if dividends %},
        sum(dividends order by date, dividends) as dividends{% endif %}
    from equity
    group by run_id, date_trunc('month', date)
),

final as (
    select
        run_id,
        month,
        financing,
        sum(financing) over (partition by run_id order by month) as cumulative_financing{% if dividends %},
        dividends,
        sum(dividends) over (partition by run_id order by month) as cumulative_dividends{% endif %}
    from monthly
)

select * from final
