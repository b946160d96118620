-- schedule_dates: the dates of every rebalance schedule, within the window.
-- reads:    ml4t.calendar
-- produces: schedule_dates(schedule, date)
-- grain:    schedule x date
-- schedule: daily = every date; weekly = first date of each ISO week (Monday-based);
--           monthly = first date of each month; month_end = last date of each month;
--           quarterly = first date of each quarter. The first window date always opens a period.
--           every_<k> (`rebalance_every = k`, one schedule per k in $every) = every k-th window
--           date, the first window date included (date_idx 0, k, 2k, ...).
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

named as (
    select schedule, date
    from flags
    unpivot (is_rebalance for schedule in (daily, weekly, monthly, month_end, quarterly))
    where is_rebalance
),

every_k as (
    select 'every_' || e.k as schedule, c.date
    from ml4t.calendar as c
    cross join (select unnest(cast($every as bigint[])) as k) as e
    where c.date_idx % e.k = 0
),

final as (
    select * from named
    union all
    select * from every_k
)

select * from final
