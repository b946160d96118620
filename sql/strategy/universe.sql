-- universe: the assets eligible on each rebalance date, per universe: variants with the same signal,
--           schedule and filters share one (`ml4t.universes`, made with `ml4t.variants`), so a sweep
--           ranks each distinct universe once.
-- reads:    ml4t.universes, ml4t.schedule_dates, ml4t.signals, ml4t.prices (unless the signals are
--           columns of prices and no min_price is set); when a universe needs them: history, adv,
--           volatility, membership, groups (one CTE each, same folder)
-- produces: universe(universe_id, date, asset, signal, grp, vol)
-- grain:    universe x rebalance date x eligible asset
-- rule:     eligible on t = has a bar on t and a finite signal dated t, and passes every filter its
--           universe sets: close on t >= min_price; adv (its adv_window) >= min_adv; at least
--           min_history bars dated <= t; a member of `[data] universe` on t; a group on t (when
--           `group` is set: grp is that group); with inverse_vol, vol_window returns and sigma > 0
--           (vol is that sigma); and signal > min_signal when the universe sets one (an
--           eligibility filter: it shapes quantiles, the short leg and group counts). NULL, NaN
--           and infinite signals are never ranked.
-- NULLs:    grp is NULL for a universe without `group`; vol is NULL unless its weighting is inverse_vol.
-- signals:  signal_id i is the i-th signal column in use, in the order the variants name them.
-- ungrouped: rendered with `ungrouped`, it returns instead the rows that pass every filter but
--           the group (no group on t): what the missing_group rule counts.
{%- set filtered = min_price or min_signal or history or adv or vol or membership or groups %}
with needed as (
    select u.universe_id, u.signal_id, d.date
    from ml4t.universes as u
    inner join ml4t.schedule_dates as d on d.schedule = u.schedule
),

scored as (
    {%- for column in signals %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select {{ loop.index0 }} as signal_id, date, asset, cast({{ column | ident }} as double) as signal
    from ml4t.signals
    {%- endfor %}
),

final as (
    select
        n.universe_id,
        s.date,
        s.asset,
        s.signal,
        {{ "g.grp" if groups else "cast(null as varchar)" }} as grp,
        {{ "v.vol" if vol else "cast(null as double)" }} as vol
    from scored as s
    inner join needed as n on n.signal_id = s.signal_id and n.date = s.date
    {%- if not signals_in_prices or min_price %}
    inner join ml4t.prices as p on p.date = s.date and p.asset = s.asset  -- has a bar on t
    {%- endif %}
    {%- if filtered %}
    inner join ml4t.universes as u on u.universe_id = n.universe_id
    {%- endif %}
    {%- if history %}
    left join history as h on h.date = s.date and h.asset = s.asset
    {%- endif %}
    {%- if adv %}
    left join adv as a on a.adv_window = u.adv_window and a.date = s.date and a.asset = s.asset
    {%- endif %}
    {%- if vol %}
    left join volatility as v on v.vol_window = u.vol_window and v.date = s.date and v.asset = s.asset
    {%- endif %}
    {%- if membership %}
    left join membership as m on m.date = s.date and m.asset = s.asset
    {%- endif %}
    {%- if groups %}
    left join groups as g on g.group_id = u.group_id and g.date = s.date and g.asset = s.asset
    {%- endif %}
    where isfinite(s.signal)
        {%- if min_signal %}
        and (u.min_signal is null or s.signal > u.min_signal)
        {%- endif %}
        {%- if min_price %}
        and (u.min_price is null or p.close >= u.min_price)
        {%- endif %}
        {%- if history %}
        and (u.min_history is null or h.n_bars >= u.min_history)
        {%- endif %}
        {%- if adv %}
        and (u.min_adv is null or a.adv >= u.min_adv)
        {%- endif %}
        {%- if vol %}
        and (u.vol_window is null or v.vol > 0)
        {%- endif %}
        {%- if membership %}
        and (not u.membership or m.asset is not null)
        {%- endif %}
        {%- if groups and ungrouped %}
        and u.group_id is not null and g.grp is null
        {%- elif groups %}
        and (u.group_id is null or g.grp is not null)
        {%- endif %}
)

select * from final
