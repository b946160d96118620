-- rolling_ic: a research run's IC and rank IC per date and horizon with their trailing means (the
--           research page's IC chart).
-- reads:    information_coefficient(run_id, date, horizon, ic, rank_ic)
-- produces: rolling_ic(run_id, horizon, date, ic, rank_ic, rolling_ic, rolling_rank_ic)
-- grain:    run x horizon x date of information_coefficient
-- window:   the last $window rows of the horizon up to the date (fewer at the start); NULL ICs are
--           left out of the mean (NULL when all of the window's are).
select
    run_id,
    horizon,
    date,
    ic,
    rank_ic,
    avg(ic) over w as rolling_ic,
    avg(rank_ic) over w as rolling_rank_ic
from information_coefficient
window w as (partition by run_id, horizon order by date rows between $window - 1 preceding and current row)
