-- schedule_dates: the dates of every rebalance schedule, within the window.
-- reads:    ml4t.calendar
-- produces: schedule_dates(schedule, date)
-- grain:    schedule x date
-- schedule: daily = every date; weekly = first date of each ISO week (Monday-based);
--           monthly = first date of each month; month_end = last date of each month;
--           quarterly = first date of each quarter. The first window date always opens a period.
with periods as (
    select
        date,
        date_trunc('week', date) as week,
        date_trunc('month', date) as month,
        date_trunc('quarter', date) as quarter
    from ml4t.calendar
),

flags as (
    select
        date,
        true as daily,
        date = min(date) over (partition by week) as weekly,
        date = min(date) over (partition by month) as monthly,
        date = max(date) over (partition by month) as month_end,
        date = min(date) over (partition by quarter) as quarterly
    from periods
),

final as (
    select schedule, date
    from flags
    unpivot (is_rebalance for schedule in (daily, weekly, monthly, month_end, quarterly))
    where is_rebalance
)

select * from final
