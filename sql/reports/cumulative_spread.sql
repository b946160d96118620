-- cumulative_spread: the growth of 1 in the daily top-minus-bottom quantile spread of the shortest
--           horizon, chained over dates (the research page's long-short chart).
-- reads:    quantile_spread(run_id, date, horizon, spread)
-- produces: cumulative_spread(run_id, horizon, date, spread, growth)
-- grain:    run x date of the run's shortest horizon
-- meaning:  with horizon 1, date t's spread runs from the open of t+1 to the open of t+2, so the
--           dates chain without overlap: growth = prod(1 + spread), a long-short portfolio of the two
--           quantiles rebalanced every open, without costs. With a shortest horizon h > 1 the
--           periods overlap and the product compounds each h times: read it as a trend only.
with shortest as (
    select run_id, min(horizon) as horizon from quantile_spread group by run_id
),

final as (
    select
        s.run_id,
        s.horizon,
        s.date,
        s.spread,
        product(1 + s.spread) over (partition by s.run_id order by s.date) as growth
    from quantile_spread as s
    inner join shortest as m on m.run_id = s.run_id and m.horizon = s.horizon
)

select * from final
