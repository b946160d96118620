-- asset_variants: asset names that differ only by case or surrounding whitespace ('AAPL', 'aapl',
--                 ' AAPL'): most likely one asset spelled several ways, which a run would hold as
--                 several assets.
-- reads:    ml4t.<relation>: a relation's spellings (sources/spellings.sql); with `against`, also the
--           prices' spellings, so that a signal's name is matched with the prices' names
-- produces: (asset, folds_into, n_rows): each spelling that is not its group's chosen one, the name it
--           folds into under asset_variants = "fold", and its rows
-- grain:    spelling
-- chosen:   in each group of spellings with the same lower-case, trimmed name: the prices' spelling when
--           the group has one (signals), else the spelling with the most rows, ties to the first in byte
--           order; always trimmed. Empty names are empty_asset's, not this rule's.
-- policy:   [data.quality] asset_variants: "warn" (they stay distinct assets), "fold" or "fail"
with spellings as (
    select asset, n_rows, 1 as source
    from ml4t.{{ relation | ident }}
    where asset is not null and not regexp_full_match(asset, '\s*')
    {%- if against %}
    union all
    select asset, n_rows, 0 as source
    from ml4t.{{ against | ident }}
    where asset is not null
    {%- endif %}
),

keyed as (
    select
        *,
        regexp_replace(asset, '^\s+|\s+$', '', 'g') as trimmed,
        lower(trimmed) as folded
    from spellings
),

chosen as (
    -- per lower-case trimmed name: the chosen spelling, and whether it has more than one spelling
    select
        *,
        first(trimmed) over (partition by folded order by source, n_rows desc, asset) as folds_into,
        min(asset) over (partition by folded) <> max(asset) over (partition by folded) as has_variants
    from keyed
),

final as (
    select asset, folds_into, n_rows
    from chosen
    where source = 1 and has_variants and asset <> folds_into
)

select * from final
