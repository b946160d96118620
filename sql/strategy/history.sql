-- history: how many bars each asset has dated <= t (bars before the window count), on the
--          rebalance dates of the universes that set min_history.
-- reads:    ml4t.prices, ml4t.universes, ml4t.schedule_dates
-- produces: history(date, asset, n_bars)
-- grain:    date x asset with a bar on t
-- rule:     n_bars = the asset's own bars up to and including t (its first bar: 1); dates it has no
--           bar on do not count. Prices are the bars left after the [data.quality] policies.
with needed as (
    select distinct d.date
    from ml4t.universes as u
    inner join ml4t.schedule_dates as d on d.schedule = u.schedule
    where u.min_history is not null
),

counted as (
    select
        date,
        asset,
        row_number() over (partition by asset order by date) as n_bars
    from ml4t.prices
),

final as (
    select c.date, c.asset, c.n_bars
    from counted as c
    semi join needed as n on n.date = c.date
)

select * from final
