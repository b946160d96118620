-- quantile_turnover: the share of a quantile's assets that were not in it on the previous window
--           date (alphalens' quantile_turnover, period 1).
-- reads:    ml4t.factor, ml4t.calendar
-- produces: quantile_turnover(date, quantile, n_assets, n_new, turnover)
-- grain:    window date after the first x quantile with at least one asset
-- NULLs:    none: an asset without a signal on the previous date counts as new (a quantile after a
--           date without signals turns over completely).
with placed as (
    select
        f.date,
        f.asset,
        f.quantile,
        c.date_idx
    from ml4t.factor as f
    inner join ml4t.calendar as c on c.date = f.date
),

final as (
    select
        cur.date,
        cur.quantile,
        count(*) as n_assets,
        count(*) filter (where prev.asset is null) as n_new,
        count(*) filter (where prev.asset is null) / count(*) as turnover
    from placed as cur
    left join placed as prev
        on prev.asset = cur.asset and prev.quantile = cur.quantile and prev.date_idx = cur.date_idx - 1
    where cur.date_idx > 0
    group by cur.date, cur.quantile
)

select * from final
