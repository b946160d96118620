-- gaps: interior gaps, dates of the calendar between an asset's first and last bar without a bar for
--       it. Not an error (halts, late data): the engine's rules apply (no fill, valued at the last
--       close, delisted after [execution] delist_after dates); the run's report lists them.
-- reads:    ml4t.prices
-- produces: (asset, first_missing, missing_dates): one row per gap
-- grain:    gap
-- speed:    a cheap first pass keeps only the assets with fewer bars than dates in their span.
with cal as (
    select date, row_number() over (order by date) as i
    from (select distinct date from ml4t.prices)
),

spans as (
    select p.asset
    from ml4t.prices as p
    inner join cal as c using (date)
    group by p.asset
    having max(c.i) - min(c.i) + 1 > count(*)
),

bars as (
    select p.asset, p.date, c.i, c.i - lag(c.i) over (partition by p.asset order by c.i) - 1 as missing
    from ml4t.prices as p
    semi join spans using (asset)
    inner join cal as c using (date)
),

final as (
    select
        asset,
        (select min(date) from cal where cal.i = bars.i - missing) as first_missing,
        missing as missing_dates
    from bars
    where missing > 0
)

select * from final
