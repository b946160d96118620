-- empty_asset: rows whose asset is an empty name ('' or only whitespace): no one can tell what it is.
-- reads:    ml4t.<relation>: typed_prices or signals
-- produces: the offending rows
-- grain:    input row
-- policy:   none: refused (a NULL asset is null_key's)
{% macro where() %}regexp_full_match(asset, '\s*'){% endmacro %}
select * from ml4t.{{ relation | ident }} where {{ where() }}
