-- spellings: a relation's profile by asset name: each name as it is written, its rows, its first date
--            and, with `counts`, how many of its rows each row rule flags. The asset-name rules read
--            it (sql/checks/empty_asset.sql, asset_variants.sql, unknown_signal_asset.sql), and the
--            row rules' totals are its sums: one scan of the relation serves them all
--            (ml4t_sql.data.checks.run_rules, `profile`).
-- reads:    ml4t.<relation>: typed_prices or signals
-- produces: spellings(asset, n_rows, first_date, <one count per row rule>), as ml4t.price_spellings
--           or ml4t.signal_spellings
-- grain:    asset name (NULL included)
select
    asset,
    count(*) as n_rows,
    min(date) as first_date
    {%- for name, predicate in counts.items() %},
    count(*) filter (where ({{ predicate }})) as {{ name | ident }}
    {%- endfor %}
from ml4t.{{ relation | ident }}
group by asset
