-- off_calendar_signal: signal rows dated on days with no price bar for any asset (a weekend, a
--                      holiday): never used.
-- reads:    ml4t.signals, ml4t.prices
-- produces: (date, signal_rows)
-- grain:    date
-- policy:   [data.quality] off_calendar_signal: "warn" or "fail"
select date, count(*) as signal_rows
from ml4t.signals
anti join (select distinct date from ml4t.prices) using (date)
group by date
