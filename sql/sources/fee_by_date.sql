-- fee_by_date: per window date in [$start, $stop) and asset with a borrow fee, the fee in force at
--              the previous window date's close (point-in-time: the asset's latest row dated <=
--              it; static: the asset's row on every date).
-- reads:    ml4t.calendar(date, date_idx), ml4t.assets(asset, asset_idx), ml4t.borrow_fees
--           (checked: one row per key)
-- produces: (date_idx, asset_idx, fee)
-- rule:     no row where no fee is in force ([execution] short_fee applies)
-- grain:    window date x asset
with previous as (
    select date_idx, lag(date) over (order by date_idx) as previous_date
    from ml4t.calendar
),

fees as (
    select a.asset_idx, {% if dated %}f.date, {% endif %}f.fee
    from ml4t.borrow_fees as f
    inner join ml4t.assets as a on a.asset = f.asset
),

{%- if dated %}

grid as (
    select p.date_idx, p.previous_date, k.asset_idx
    from previous as p
    cross join (select distinct asset_idx from fees) as k
    where p.date_idx >= $start and p.date_idx < $stop and p.previous_date is not null
),

final as (
    select g.date_idx, g.asset_idx, f.fee
    from grid as g
    asof inner join fees as f on g.asset_idx = f.asset_idx and g.previous_date >= f.date
)
{%- else %}

final as (
    select p.date_idx, f.asset_idx, f.fee
    from previous as p
    cross join fees as f
    where p.date_idx >= $start and p.date_idx < $stop
)
{%- endif %}

select * from final order by date_idx, asset_idx
