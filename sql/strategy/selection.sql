-- selection: the top $top_n assets of each rebalance date (fewer when fewer are eligible).
-- reads:    ranks
-- produces: selection(date, asset, signal, rank)
-- grain:    date x asset
select date, asset, signal, rank
from ranks
where rank <= $top_n
