-- volatility: sigma of each asset's close-to-close returns, per window in use, on the rebalance
--             dates of the universes whose weighting is inverse_vol.
-- reads:    ml4t.returns, ml4t.universes, ml4t.schedule_dates
-- produces: volatility(vol_window, date, asset, vol)
-- grain:    vol_window x date x asset with a bar on t and at least vol_window returns up to t
-- rule:     vol = sample standard deviation (ddof 1) of the asset's last vol_window returns up to
--           and including t. An asset with fewer returns (its first bar has none) has no row:
--           not eligible.
-- exact:    the window's returns are gathered as a list (in date order) and the list's standard
--           deviation taken in that order: a windowed stddev_samp combines partial results in an
--           order that depends on the partition's length, so its last bits on t would change when
--           later bars are added (the look-ahead check caught it); the list's do not.
-- actions:  returns are back-adjusted by the actions between bars (sql/sources/returns.sql,
--           SPEC 12, 14.3): those of adjusted_prices, without later data.
with windows as (
    select distinct vol_window
    from ml4t.universes
    where vol_window is not null
),

needed as (
    select distinct u.vol_window, d.date
    from ml4t.universes as u
    inner join ml4t.schedule_dates as d on d.schedule = u.schedule
    where u.vol_window is not null
),

measured as (
    select
        w.vol_window,
        r.date,
        r.asset,
        count(r.ret) over last_returns as n_returns,
        list_aggregate(list(r.ret) over last_returns, 'stddev_samp') as vol
    from ml4t.returns as r
    cross join windows as w
    window last_returns as (
        partition by w.vol_window, r.asset
        order by r.date
        rows between w.vol_window - 1 preceding and current row
    )
),

final as (
    select m.vol_window, m.date, m.asset, m.vol
    from measured as m
    semi join needed as n on n.vol_window = m.vol_window and n.date = m.date
    where m.n_returns = m.vol_window
)

select * from final
