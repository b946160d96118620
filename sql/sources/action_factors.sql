-- action_factors: what the corporate actions do to returns: per bar, the factor its previous
--                 close is multiplied by so that close / adjusted previous close is the return
--                 over the actions between the two bars (SPEC 14.3).
-- reads:    ml4t.actions, ml4t.prices
-- produces: action_factors(date, asset, factor)
-- grain:    date x asset: each bar after which an ex-date of the asset falls on or before it
-- rule:     an action's factor is (1 - dividend / previous close) / split, the previous close the
--           asset's last close before the ex-date; an ex-date between two bars (a dividend in a
--           gap) belongs to the next bar; several in one gap multiply (ordered by ex-date). An
--           action after the asset's last bar or before its second applies to no return.
with bars as (
    select asset, date, close, lag(close) over (partition by asset order by date) as previous_close
    from ml4t.prices
),

placed as (
    select
        x.asset,
        x.date as ex_date,
        x.split,
        x.dividend,
        b.date,
        b.previous_close
    from ml4t.actions as x
    asof inner join bars as b on b.asset = x.asset and b.date >= x.date
    where x.split <> 1 or x.dividend <> 0
),

final as (
    select
        date,
        asset,
        product((1 - dividend / previous_close) / split order by ex_date) as factor
    from placed
    where previous_close is not null
    group by date, asset
)

select * from final
