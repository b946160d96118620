-- drawdown_periods: each run's drawdowns, one row per spell below the previous peak.
-- reads:    drawdowns(run_id, date, drawdown)
-- produces: drawdown_periods(run_id, peak_date, trough_date, recovery_date, depth, duration)
-- grain:    run x drawdown (a maximal run of dates with drawdown < 0)
-- rule:     peak_date is the date before the spell (NULL: the initial cash, before the first date);
--           trough_date the date of its lowest drawdown (earliest on ties); recovery_date the first
--           date back at the peak (NULL: not recovered). duration counts trading dates from the
--           peak to the recovery, or to the run's last date: the metrics max_drawdown_duration and
--           longest_drawdown_duration come from the same rule.
with numbered as (
    select
        run_id,
        date,
        drawdown,
        row_number() over w as idx,
        lag(date) over w as previous_date,
        lead(date) over w as next_date,
        count(*) over (partition by run_id) as n_dates
    from drawdowns
    window w as (partition by run_id order by date)
),

underwater as (
    select
        *,
        idx - row_number() over (partition by run_id order by date) as spell
    from numbered
    where drawdown < 0
),

spells as (
    select
        run_id,
        min(idx) as first_idx,
        max(idx) as last_idx,
        max(n_dates) as n_dates,
        arg_min_null(previous_date, idx) as peak_date,
        first(date order by drawdown, date) as trough_date,
        arg_max_null(next_date, idx) as recovery_date,
        min(drawdown) as depth
    from underwater
    group by run_id, spell
),

final as (
    select
        run_id,
        peak_date,
        trough_date,
        recovery_date,
        depth,
        last_idx - first_idx + case when last_idx < n_dates then 2 else 1 end as duration
    from spells
)

select * from final
