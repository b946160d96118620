-- action_by_date: the window's corporate actions as the fold reads them: window date and asset
--                 indices, for the assets of the window, by ex-date.
-- reads:    ml4t.actions, ml4t.calendar, ml4t.assets
-- produces: action_by_date(date_idx, asset_idx, split, dividend)
-- grain:    window date x asset, ordered by (date_idx, asset_idx)
select c.date_idx, a.asset_idx, x.split, x.dividend
from ml4t.actions as x
inner join ml4t.calendar as c on c.date = x.date
inner join ml4t.assets as a on a.asset = x.asset
where x.split <> 1 or x.dividend <> 0
order by c.date_idx, a.asset_idx
