-- selection: each variant's top_n assets on each of its rebalance dates (fewer when fewer are
--            eligible), above its min_signal when it has one.
-- reads:    ranks, ml4t.variants, ml4t.schedule_dates
-- produces: selection(variant, weighting, date, asset, signal, vol, rank)
-- grain:    variant x rebalance date x asset
select
    v.variant,
    v.weighting,
    r.date,
    r.asset,
    r.signal,
    r.vol,
    r.rank
from ml4t.variants as v
inner join ml4t.schedule_dates as d on d.schedule = v.schedule
inner join ranks as r on r.universe_id = v.universe_id and r.date = d.date
where r.rank <= v.top_n
    and (v.min_signal is null or r.signal > v.min_signal)
