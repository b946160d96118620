-- empty_asset: asset names that are empty ('' or only whitespace): no one can tell what they are.
-- reads:    ml4t.<relation>: the relation's spellings (sources/spellings.sql: asset, n_rows, first_date)
-- produces: the offending names, with their rows
-- grain:    asset name
-- policy:   none: refused (a NULL asset is null_key's)
{% macro where() %}regexp_full_match(asset, '\s*'){% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
