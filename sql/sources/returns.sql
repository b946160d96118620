-- returns: each asset's close-to-close returns over its own consecutive bars, back-adjusted by the
--          corporate actions between the two bars (SPEC 14.3): the returns of adjusted_prices,
--          computed without later data. inverse_vol (sql/strategy/volatility.sql) reads them;
--          impact's sigma reads those before its chunk of dates (sql/sources/impact_history.sql)
--          and computes the chunk's own from its panel by this rule (ml4t_sql/data/capacity.py;
--          tests/sql/test_impact_sigma.py holds the two to the same bits).
-- reads:    ml4t.prices, ml4t.action_factors (with actions)
-- produces: returns(date, asset, ret)
-- grain:    bar (asset x date); ret NULL on the asset's first bar
-- rule:     ret = close / (previous close x factor) - 1, factor the product of
--           (1 - dividend / previous close) / split over the ex-dates after the previous bar up to
--           this one (sql/sources/action_factors.sql; 1 without actions). A gap in the asset's
--           dates is skipped: the return spans it.
-- bound:    rendered with `before`, over the bars dated before window date $before only (the
--           filter comes before the lag: the same returns, without computing the later ones)
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
{%- if before | default(false) %}
where p.date < (select date from ml4t.calendar where date_idx = $before)
{%- endif %}
