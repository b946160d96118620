-- groups: each asset's group on the rebalance dates of the grouped universes, per group column in
--         use (group_id i is the i-th distinct `[strategy] group` of the variants).
-- reads:    ml4t.attributes (sources/attributes.sql: `[data] assets`) or ml4t.prices, whichever has
--           the column; ml4t.universes, ml4t.schedule_dates
-- produces: groups(group_id, date, asset, grp)
-- grain:    group column x date x asset with a group on t
-- rule:     static attributes (asset, <column>): the asset's value on every date; point-in-time
--           (date, asset, <column>): the value of its latest row dated <= t; a column of prices:
--           its value on the bar of t. Values are compared as text.
-- NULLs:    no row in force, or a NULL value: no group (no row here; universe.sql keeps the asset
--           out and the missing_group rule counts it).
with needed as (
    select distinct u.group_id, d.date
    from ml4t.universes as u
    inner join ml4t.schedule_dates as d on d.schedule = u.schedule
    where u.group_id is not null
),

valued as (
    {%- for g in groups %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    {%- if g.source == "prices" %}
    select {{ loop.index0 }} as group_id, p.date, p.asset, cast(p.{{ g.column | ident }} as varchar) as grp
    from ml4t.prices as p
    semi join needed as n on n.group_id = {{ loop.index0 }} and n.date = p.date
    {%- elif g.source == "static" %}
    select {{ loop.index0 }} as group_id, n.date, a.asset, cast(a.{{ g.column | ident }} as varchar) as grp
    from needed as n
    cross join ml4t.attributes as a
    where n.group_id = {{ loop.index0 }}
    {%- else %}
    select {{ loop.index0 }} as group_id, q.date, q.asset, cast(a.{{ g.column | ident }} as varchar) as grp
    from (
        select n.date, k.asset
        from needed as n
        cross join (select distinct asset from ml4t.attributes) as k
        where n.group_id = {{ loop.index0 }}
    ) as q
    asof join ml4t.attributes as a on a.asset = q.asset and a.date <= q.date
    {%- endif %}
    {%- endfor %}
),

final as (
    select group_id, date, asset, grp
    from valued
    where grp is not null
)

select * from final
