-- impact_history: the returns impact's sigma reads from before a chunk of window dates starting at
--                 $before: each asset's last $window bars dated before window date $before (as far
--                 back as the chunk's windows reach), with their closes (the last one is the
--                 previous close of the asset's next bar). ml4t_sql/data/capacity.py adds the
--                 returns of the chunk's own bars, from its panel.
-- reads:    ml4t.prices (ml4t.action_factors with actions), ml4t.calendar, ml4t.assets
-- produces: (asset_idx, ret, close)
-- order:    by asset_idx, then date
-- rule:     the returns of sql/sources/returns.sql, over the bars before window date $before only
--           (a return reads its bar and the bar before: the same values as over every bar)
-- grain:    bar (asset x date)
with returns as (
{% include "sources/returns.sql" %}
),

last_bars as (
    select r.asset, r.date, r.ret
    from returns as r
    qualify row_number() over (partition by r.asset order by r.date desc) <= $window
),

final as (
    select a.asset_idx, b.date, b.ret, p.close
    from last_bars as b
    inner join ml4t.assets as a on a.asset = b.asset
    inner join ml4t.prices as p on p.asset = b.asset and p.date = b.date
)

select asset_idx, ret, close from final order by asset_idx, date
