-- asset_variants: asset names that differ only by case or surrounding whitespace ('AAPL', 'aapl',
--                 ' AAPL'): most likely one asset spelled several ways, which a run would hold as
--                 several assets.
-- reads:    ml4t.<relation> (typed_prices or signals); with `against_prices` also ml4t.prices, so
--           that a signal's spelling is matched with the prices' spellings
-- produces: (asset, folds_into, n_rows): each spelling that is not its group's chosen one, the name it
--           folds into under asset_variants = "fold", and its rows
-- grain:    spelling
-- chosen:   in each group of spellings with the same lower-case, trimmed name: the prices' spelling when
--           the group has one (signals), else the spelling with the most rows, ties to the first in byte
--           order; always trimmed. Empty names are empty_asset's, not this rule's.
-- policy:   [data.quality] asset_variants: "warn" (they stay distinct assets), "fold" or "fail"
with spellings as (
    select asset, count(*) as n_rows, 1 as source
    from ml4t.{{ relation | ident }}
    where asset is not null and not regexp_full_match(asset, '\s*')
    group by asset
    {%- if against_prices %}
    union all
    select asset, count(*) as n_rows, 0 as source
    from ml4t.prices
    group by asset
    {%- endif %}
),

keyed as (
    select
        *,
        regexp_replace(asset, '^\s+|\s+$', '', 'g') as trimmed,
        lower(trimmed) as folded
    from spellings
),

groups as (
    select
        folded,
        first(trimmed order by source, n_rows desc, asset) as folds_into
    from keyed
    group by folded
    having count(distinct asset) > 1
),

final as (
    select k.asset, g.folds_into, k.n_rows
    from keyed as k
    inner join groups as g using (folded)
    where k.source = 1 and k.asset <> g.folds_into
)

select * from final
