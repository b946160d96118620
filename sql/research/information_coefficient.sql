-- information_coefficient: the signal's Pearson (ic) and Spearman (rank_ic) correlation with the
--           forward returns across assets, per date and horizon.
-- reads:    ml4t.factor, ml4t.forward_returns
-- produces: information_coefficient(date, horizon, n_pairs, ic, rank_ic)
-- grain:    date x horizon with at least one pair (a factor row whose forward return is not NULL)
-- ties:     rank_ic ranks tied values by their average rank (as scipy.stats.spearmanr): rank =
--           first position + (ties - 1) / 2.
-- NULLs:    pairs with a NULL forward return are left out; ic and rank_ic are NULL with fewer
--           than 2 pairs or when the signal or the returns are all equal on that date.
-- order:    every aggregate over doubles adds in asset order: the same bits on every run.
with pairs as (
    select
        f.date,
        f.asset,
        r.horizon,
        f.signal,
        r.fwd_return
    from ml4t.factor as f
    inner join ml4t.forward_returns as r on r.date = f.date and r.asset = f.asset
    where r.fwd_return is not null
),

ranked as (
    select
        date,
        asset,
        horizon,
        signal,
        fwd_return,
        rank() over (partition by date, horizon order by signal)
        + (count(*) over (partition by date, horizon, signal) - 1) / 2.0 as signal_rank,
        rank() over (partition by date, horizon order by fwd_return)
        + (count(*) over (partition by date, horizon, fwd_return) - 1) / 2.0 as return_rank
    from pairs
),

final as (
    select
        date,
        horizon,
        count(*) as n_pairs,
        case
            when count(*) >= 2 and stddev_pop(signal) > 0 and stddev_pop(fwd_return) > 0
                then corr(signal, fwd_return order by asset)
        end as ic,
        case
            when count(*) >= 2 and stddev_pop(signal_rank) > 0 and stddev_pop(return_rank) > 0
                then corr(signal_rank, return_rank order by asset)
        end as rank_ic
    from ranked
    group by date, horizon
)

select * from final
