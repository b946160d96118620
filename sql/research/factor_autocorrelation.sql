-- factor_autocorrelation: the rank autocorrelation of the signal between consecutive window dates
--           (alphalens' factor_rank_autocorrelation, period 1): the Pearson correlation, over the
--           assets that have a signal on both dates, of each date's cross-sectional signal ranks.
-- reads:    ml4t.factor, ml4t.calendar
-- produces: factor_autocorrelation(date, n_pairs, autocorrelation)
-- grain:    window date with at least one asset ranked on it and on the previous window date
-- ties:     ranks are taken over each date's whole cross-section, ties by average rank.
-- order:    the correlation adds in asset order (the same bits on every run).
-- NULLs:    autocorrelation is NULL with fewer than 2 pairs or ranks all equal on either date.
with ranked as (
    select
        f.date,
        f.asset,
        c.date_idx,
        rank() over (partition by f.date order by f.signal)
        + (count(*) over (partition by f.date, f.signal) - 1) / 2.0 as signal_rank
    from ml4t.factor as f
    inner join ml4t.calendar as c on c.date = f.date
),

pairs as (
    select
        cur.date,
        cur.asset,
        cur.signal_rank as rank_now,
        prev.signal_rank as rank_before
    from ranked as cur
    inner join ranked as prev on prev.asset = cur.asset and prev.date_idx = cur.date_idx - 1
),

final as (
    select
        date,
        count(*) as n_pairs,
        case
            when count(*) >= 2 and stddev_pop(rank_now) > 0 and stddev_pop(rank_before) > 0
                then corr(rank_now, rank_before order by asset)
        end as autocorrelation
    from pairs
    group by date
)

select * from final
