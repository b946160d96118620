-- returns: each asset's close-to-close returns over its own consecutive bars, back-adjusted by the
--          corporate actions between the two bars (SPEC 14.3): the returns of adjusted_prices,
--          computed without later data. inverse_vol (sql/strategy/volatility.sql) and impact's
--          sigma (sql/sources/impact_returns.sql, ml4t_sql/engine/sigma.py) read them.
-- reads:    ml4t.prices, ml4t.action_factors (with actions)
-- produces: returns(date, asset, ret)
-- grain:    bar (asset x date); ret NULL on the asset's first bar
-- rule:     ret = close / (previous close x factor) - 1, factor the product of
--           (1 - dividend / previous close) / split over the ex-dates after the previous bar up to
--           this one (sql/sources/action_factors.sql; 1 without actions). A gap in the asset's
--           dates is skipped: the return spans it.
select
    p.date,
    p.asset,
    {%- if actions | default(false) %}
    p.close / (lag(p.close) over (partition by p.asset order by p.date) * coalesce(f.factor, 1.0)) - 1 as ret
from ml4t.prices as p
left join ml4t.action_factors as f on f.date = p.date and f.asset = p.asset
    {%- else %}
    p.close / lag(p.close) over (partition by p.asset order by p.date) - 1 as ret
from ml4t.prices as p
    {%- endif %}
