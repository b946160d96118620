-- membership: the members of `[data] universe` on the rebalance dates of the universes that use it.
-- reads:    ml4t.members (sources/members.sql), ml4t.universes, ml4t.schedule_dates
-- produces: membership(date, asset)
-- grain:    date x member asset
-- rule:     spans (asset, start_date, end_date): a member on t when start_date <= t <= end_date,
--           both ends inclusive, a NULL end_date = still a member (spans of one asset never
--           overlap: refused at input). Snapshots (date, asset): the members on t are the rows of
--           the latest snapshot date <= t; before the first snapshot nobody is a member.
with needed as (
    select distinct d.date
    from ml4t.universes as u
    inner join ml4t.schedule_dates as d on d.schedule = u.schedule
    where u.membership
),

{%- if spans %}

final as (
    select distinct n.date, m.asset
    from needed as n
    inner join ml4t.members as m
        on m.start_date <= n.date and (m.end_date is null or n.date <= m.end_date)
)
{%- else %}

snapshots as (
    select distinct date as snapshot
    from ml4t.members
),

in_force as (
    select n.date, max(s.snapshot) as snapshot
    from needed as n
    inner join snapshots as s on s.snapshot <= n.date
    group by n.date
),

final as (
    select distinct f.date, m.asset
    from in_force as f
    inner join ml4t.members as m on m.date = f.snapshot
)
{%- endif %}

select * from final
