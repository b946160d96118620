-- lineage: an order-independent digest of one input's rows per date, for the runs' lineage table.
-- reads:    the input relation named by `relation`: ml4t.typed_prices, ml4t.signals,
--           ml4t.benchmark_input, ml4t.members, ml4t.attributes, ml4t.rates, ml4t.borrow_fees (`engine`), or a [data.tables] relation (the user's, by its name)
-- produces: lineage(input, date, n_rows, digest)
-- grain:    date (one row with date NULL when the input has no `date` column)
-- digest:   sum(hash(row)) over the date's rows as text: the same whatever order the rows come in,
--           and different when any value of the date's rows changes (DuckDB's 64-bit hash; the sum
--           is a HUGEINT, so it cannot overflow).
select
    $input as input,
    {%- if has_date %}
    cast(r.date as date) as date,
    {%- else %}
    cast(null as date) as date,
    {%- endif %}
    count(*) as n_rows,
    cast(sum(hash(r)) as varchar) as digest
from {% if engine %}ml4t.{% endif %}{{ relation | ident }} as r
{%- if has_date %}
group by cast(r.date as date)
{%- endif %}
