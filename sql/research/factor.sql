-- factor: the signal of each asset on each window date, and its quantile (signal research).
-- reads:    ml4t.calendar, ml4t.prices, ml4t.signals
-- produces: factor(date, asset, signal, quantile)
-- grain:    window date x asset with a bar on t and a finite signal dated t (the built-in
--           strategy's eligibility rule, without its filters)
-- ties:     $quantiles buckets per date by ntile over the signal ranked descending, ties by asset
--           ascending (the strategy's rank order), numbered so that quantile 1 holds the lowest
--           signals and quantile $quantiles the highest (quantile = $quantiles + 1 - ntile): with n
--           assets not divisible by q the higher quantiles hold one asset more; with n < q the
--           lowest quantiles are empty.
-- NULLs:    NULL, NaN and infinite signals are left out: never in a quantile.
with scored as (
    select
        s.date,
        s.asset,
        cast(s.{{ signal | ident }} as double) as signal
    from ml4t.signals as s
    inner join ml4t.calendar as c on c.date = s.date
    inner join ml4t.prices as p on p.date = s.date and p.asset = s.asset  -- has a bar on t
),

final as (
    select
        date,
        asset,
        signal,
        $quantiles + 1 - ntile($quantiles) over (partition by date order by signal desc, asset asc) as quantile
    from scored
    where isfinite(signal)
)

select * from final
