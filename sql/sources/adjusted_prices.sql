-- adjusted_prices: prices back-adjusted by the corporate actions of `[data] actions`: the series
--                  whose returns are the total returns of holding the asset (SPEC 12, 14.3), for
--                  signal SQL; the fold trades the raw `prices`.
-- reads:    ml4t.prices, ml4t.action_factors (with actions)
-- produces: adjusted_prices(date, asset, open, high, low, close, volume, <extra columns>, adjustment)
-- grain:    date x asset, as prices
-- rule:     adjustment on t = the product of the factors (sql/sources/action_factors.sql) of the
--           asset's bars after t; open, high, low, close are multiplied by it; volume stays raw.
--           Without actions, adjustment is 1 and the view is prices.
-- returns:  adjusted close / previous adjusted close - 1 over the asset's own bars equals
--           close / (previous close x factor) - 1: computed that way (sql/strategy/volatility.sql),
--           a return needs no later data.
-- public:   user SQL reads it as `adjusted_prices`
{%- if actions %}
with later as (
    select
        p.*,
        coalesce(
            product(f.factor) over (
                partition by p.asset order by p.date desc rows between unbounded preceding and 1 preceding
            ),
            1.0
        ) as adjustment
    from ml4t.prices as p
    left join ml4t.action_factors as f on f.date = p.date and f.asset = p.asset
)

select
    * replace (open * adjustment as open, high * adjustment as high, low * adjustment as low,
               close * adjustment as close)
from later
{%- else %}
select *, 1.0 as adjustment from ml4t.prices
{%- endif %}
