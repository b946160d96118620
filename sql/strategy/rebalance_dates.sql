-- rebalance_dates: the dates of the rebalance schedule within the window.
-- reads:    calendar
-- produces: rebalance_dates(date)
-- grain:    date
-- schedule: daily = every date; weekly = first date of each ISO week (Monday-based);
--           monthly = first date of each month; month_end = last date of each month;
--           quarterly = first date of each quarter. The first window date always opens a period.
with periods as (
    select
        date,
        {%- if schedule == "daily" %}
        date as period
        {%- elif schedule == "weekly" %}
        date_trunc('week', date) as period
        {%- elif schedule in ("monthly", "month_end") %}
        date_trunc('month', date) as period
        {%- elif schedule == "quarterly" %}
        date_trunc('quarter', date) as period
        {%- endif %}
    from calendar
),

final as (
    select {% if schedule == "month_end" %}max(date){% else %}min(date){% endif %} as date
    from periods
    group by period
)

select * from final
