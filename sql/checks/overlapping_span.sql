-- overlapping_span: two membership spans of one asset that share a date (bounds are inclusive, so
--                   [a, b] and [b, c] overlap on b; a NULL end runs on forever; identical spans
--                   overlap): membership on t would be counted twice, or a typo hides a gap.
-- reads:    ml4t.members (spans: asset, start_date, end_date)
-- produces: (asset, start_date, end_date, other_start, other_end): each overlapping pair once,
--           the earlier span first
-- grain:    pair of spans
-- policy:   none: refused
with spans as (
    select
        asset,
        start_date,
        end_date,
        row_number() over (order by asset, start_date, end_date nulls last) as span_id
    from ml4t.{{ relation | ident }}
    where asset is not null and start_date is not null
),

final as (
    select
        a.asset,
        a.start_date,
        a.end_date,
        b.start_date as other_start,
        b.end_date as other_end
    from spans as a
    inner join spans as b
        on b.asset = a.asset
        and b.span_id > a.span_id
        and b.start_date <= coalesce(a.end_date, date '9999-12-31')
        and a.start_date <= coalesce(b.end_date, date '9999-12-31')
)

select * from final
