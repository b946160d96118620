-- halts: each max_drawdown halt of a run: when, how deep, and for how long no decision was taken.
-- reads:    events(run_id, date, rule), equity(run_id, date, nav)
-- produces: halts(run_id, date, drawdown, resume_date, dates_halted)
-- grain:    run x halt (a max_drawdown events row)
-- rule:     the peak a halt compares with restarts at every resume (docs/SEMANTICS.md, Portfolio
--           rules): it is the running max of NAV from the first window date, or from the latest
--           resume date at or before, up to the halt date; drawdown = nav / peak - 1 at the halt's
--           close. resume_date is the first resume after the halt (NULL: still halted at the end);
--           dates_halted counts the window dates after the halt date and before resume_date (or to
--           the last date): the dates without a decision.
with resumes as (
    select run_id, date from events where rule = 'resume'
),

segmented as (
    select
        q.run_id,
        q.date,
        q.nav,
        (select count(*) from resumes as r where r.run_id = q.run_id and r.date <= q.date) as segment
    from equity as q
),

peaks as (
    select
        run_id,
        date,
        nav,
        max(nav) over (
            partition by run_id, segment order by date rows between unbounded preceding and current row
        ) as peak
    from segmented
),

halted as (
    select
        e.run_id,
        e.date,
        p.nav / p.peak - 1 as drawdown,
        (select min(r.date) from resumes as r where r.run_id = e.run_id and r.date > e.date) as resume_date
    from events as e
    inner join peaks as p on p.run_id = e.run_id and p.date = e.date
    where e.rule = 'max_drawdown'
),

final as (
    select
        h.run_id,
        h.date,
        h.drawdown,
        h.resume_date,
        (
            select count(*) from equity as q
            where q.run_id = h.run_id and q.date > h.date and (h.resume_date is null or q.date < h.resume_date)
        ) as dates_halted
    from halted as h
)

select * from final
