-- adv: each asset's average daily dollar volume, per averaging window in use, on the rebalance
--      dates of the universes that set min_adv.
-- reads:    ml4t.prices, ml4t.universes, ml4t.schedule_dates
-- produces: adv(adv_window, date, asset, adv)
-- grain:    adv_window x date x asset with a bar on t
-- rule:     adv = mean of close x volume over the asset's last adv_window bars up to and
--           including t (its own bars, dates without a bar skipped); fewer bars when it has fewer.
-- NULLs:    a bar without a volume is left out of the mean; with no volume in the window, adv is
--           NULL (and min_adv keeps the asset out).
-- exact:    the mean is taken over the window's values as a list, in date order (as in
--           volatility.sql): the same bits on t whatever bars come after it.
with windows as (
    select distinct adv_window
    from ml4t.universes
    where min_adv is not null
),

needed as (
    select distinct u.adv_window, d.date
    from ml4t.universes as u
    inner join ml4t.schedule_dates as d on d.schedule = u.schedule
    where u.min_adv is not null
),

averaged as (
    select
        w.adv_window,
        p.date,
        p.asset,
        list_avg(list(p.close * p.volume) over (
            partition by w.adv_window, p.asset
            order by p.date
            rows between w.adv_window - 1 preceding and current row
        )) as adv
    from ml4t.prices as p
    cross join windows as w
),

final as (
    select a.adv_window, a.date, a.asset, a.adv
    from averaged as a
    semi join needed as n on n.adv_window = a.adv_window and n.date = a.date
)

select * from final
