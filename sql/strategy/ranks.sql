-- ranks: the rank of each eligible asset by signal, per universe and date.
-- reads:    universe, cutoffs (the plain top-N path only)
-- produces: ranks(universe_id, date, asset, signal, grp, vol, rank, rank_asc, n, g_rank, g_rank_asc, g_n)
--           (the last six on the full path only)
-- grain:    universe x date x asset
-- paths:    plain top-N (every variant without bottom_n, quantiles, hold ranks or group_neutral):
--           only the assets at or above their cutoff (the rest cannot be selected), `rank` only.
--           `full`: every eligible asset, ranked over the universe (rank: 1 = highest signal;
--           rank_asc: 1 = lowest; n = eligible assets on the date) and within its group (g_rank,
--           g_rank_asc, g_n; the same as the universe's when there is no group, and computed as
--           those, once, when no variant is group_neutral: `neutral` false).
-- ties:     equal signals rank by asset ascending, both ways, so ranks are unique and deterministic.
-- NULLs:    none arrive here (universe keeps finite signals only).
select
    u.universe_id,
    u.date,
    u.asset,
    u.signal,
    u.grp,
    u.vol,
    row_number() over (partition by u.universe_id, u.date order by u.signal desc, u.asset asc) as rank
    {%- if full %},
    row_number() over (partition by u.universe_id, u.date order by u.signal asc, u.asset asc) as rank_asc,
    count(*) over (partition by u.universe_id, u.date) as n,
    {%- if neutral %}
    row_number() over (partition by u.universe_id, u.date, u.grp order by u.signal desc, u.asset asc) as g_rank,
    row_number() over (partition by u.universe_id, u.date, u.grp order by u.signal asc, u.asset asc) as g_rank_asc,
    count(*) over (partition by u.universe_id, u.date, u.grp) as g_n
    {%- else %}
    row_number() over (partition by u.universe_id, u.date order by u.signal desc, u.asset asc) as g_rank,
    row_number() over (partition by u.universe_id, u.date order by u.signal asc, u.asset asc) as g_rank_asc,
    count(*) over (partition by u.universe_id, u.date) as g_n
    {%- endif %}
    {%- endif %}
from universe as u
{%- if not full %}
inner join cutoffs as c on c.universe_id = u.universe_id and c.date = u.date
where u.signal >= c.cutoff
{%- endif %}
