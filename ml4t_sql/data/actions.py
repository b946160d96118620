"""Corporate actions: `[data] actions` checked, and the fold's `Actions` arrays.

Leaves on the connection (ml4t_sql.data.sources calls `load_actions` after the calendar):

- `ml4t.actions(date, asset, split, dividend)` (sql/sources/actions.sql): the input typed, a
  missing or NULL split read as 1 and a missing or NULL dividend as 0. Refused, each with the
  relation, the rule and example rows: NULL keys, unreadable dates, duplicate (date, asset)
  rows, NaN/infinite or non-positive splits (sql/checks/bad_split.sql), NaN/infinite or
  negative dividends (sql/checks/bad_dividend.sql), actions dated on no trading date
  (sql/checks/off_calendar_action.sql), and splits on a date the asset has no bar
  (sql/checks/split_without_bar.sql: the raw close of the ex-date must be post-split). A
  dividend needs no bar: it is paid on the previous close's shares (SPEC 14.12);
- `ml4t.action_factors(date, asset, factor)` (sql/sources/action_factors.sql): per bar, the
  factor on its previous close of the actions since it;
- `adjusted_prices` (public; sql/sources/adjusted_prices.sql, made by `load_adjusted_prices` for
  every run, prices as they are without actions): prices back-adjusted by the actions, what
  signal SQL uses for returns;
- `ml4t.returns(date, asset, ret)` (sql/sources/returns.sql, also for every run): the returns of
  adjusted_prices from raw closes and the factors, which the built-in `inverse_vol`
  (sql/strategy/volatility.sql) and impact's sigma (sql/sources/impact_history.sql, and the same
  rule on the panel: ml4t_sql.data.capacity) read.

`action_inputs` gives the fold its `engine.panel.Actions` (sql/sources/action_by_date.sql).
"""

from __future__ import annotations

import duckdb
import numpy as np

from ..config import Config
from ..engine.panel import Actions
from ..errors import InputError
from ..templates import render
from .checks import Checked, Rule, run_rules
from .inputs import register_input
from .panel import date_pointers
from .quality import NAIVE_TS, NUMERIC, QualityReport
from .relations import create
from .rules import check_intraday


def load_actions(
    con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport, registered: dict[str, dict[str, str]]
) -> None:
    """`ml4t.actions` from `[data] actions`, checked (see the module)."""
    source = cfg.data.actions
    if source is None:
        return
    columns = registered.get("actions") or register_input(con, "actions", source, cfg)
    names = cfg.data.columns
    date = next((c for c in (names.date, "date") if c in columns), None)
    asset = next((c for c in (names.asset, "asset") if c in columns), None)
    split = "split" if "split" in columns else None
    dividend = "dividend" if "dividend" in columns else None
    if date is None or asset is None or (split is None and dividend is None):
        raise InputError("actions", "expected (date, asset, split, dividend): split or dividend, or both",
                         hint=f"its columns are: {', '.join(columns) or '(none)'}")  # fmt: skip
    dtype = columns[date]
    utc = dtype.startswith("TIMESTAMP WITH TIME ZONE") or dtype == "TIMESTAMPTZ"
    if dtype != "DATE" and dtype not in NAIVE_TS and not utc:
        raise InputError("actions", f"column {date!r} must be a DATE or a timestamp, but it is {dtype}")
    for name in (split, dividend):
        if name is not None and not NUMERIC.match(columns[name]):
            raise InputError("actions", f"column {name!r} must be numeric, but it is {columns[name]}")
    if dtype != "DATE":
        check_intraday(con, "actions", "input_actions", date, report, utc=utc)
    create(con, "actions", render("sources/actions", date=date, asset=asset, split=split, dividend=dividend,
                                  utc=utc))  # fmt: skip
    keys: dict[str, tuple[str, ...]] = {"keys": ("date", "asset")}
    rules = [
        Rule("null_key", "NULL date or asset", structure=keys),
        Rule("date_range", "dates outside 0001-01-01 .. 9999-12-31, or infinite"),
        Rule("duplicate_key", "duplicate (date, asset) actions", structure=keys, order="date, asset",
             hint="give one row per ex-date and asset, with its split and its dividend"),
        Rule("bad_split", "NaN, infinite, zero or negative split ratios (new shares per old share)",
             hint="a 2-for-1 split is 2, a 1-for-10 reverse split 0.1; no split is 1 or NULL"),
        Rule("bad_dividend", "NaN, infinite or negative dividends (cash per old share)",
             hint="no dividend is 0 or NULL"),
        Rule("off_calendar_action", "actions dated on a day no asset trades (ex-dates are trading dates)",
             order="date, asset", hint="date each action on its ex-date"),
        Rule("split_without_bar", "splits on a date the asset has no price bar", order="date, asset",
             hint="a split needs the asset's post-split bar on its ex-date; check the dates or the prices"),
    ]  # fmt: skip
    run_rules(con, report, Checked("actions", "actions", order="date, asset"), rules,
              empty="has no rows", empty_hint="give its rows, or drop the key")  # fmt: skip
    create(con, "action_factors", render("sources/action_factors"))


def load_adjusted_prices(con: duckdb.DuckDBPyConnection, cfg: Config) -> None:
    """The public view `adjusted_prices`: prices back-adjusted by the actions (prices as they are
    without `[data] actions`), and the view `ml4t.returns`: its close-to-close returns, computed
    from raw closes and the actions' factors, without later data."""
    actions = cfg.data.actions is not None
    create(con, "adjusted_prices", render("sources/adjusted_prices", actions=actions), view=True)
    create(con, "returns", render("sources/returns", actions=actions), view=True)


def action_inputs(con: duckdb.DuckDBPyConnection, cfg: Config, n_dates: int, n_assets: int) -> Actions | None:
    """The window's splits and dividends as `Actions` (None without `[data] actions`)."""
    if cfg.data.actions is None:
        return None
    rows = con.sql(render("sources/action_by_date")).to_arrow_table()
    d = np.asarray(rows.column("date_idx").to_numpy(), dtype=np.int64)
    return Actions(
        ptr=date_pointers(d, n_dates),
        asset=np.asarray(rows.column("asset_idx").to_numpy(), dtype=np.int64),
        split=np.asarray(rows.column("split").to_numpy(), dtype=np.float64),
        dividend=np.asarray(rows.column("dividend").to_numpy(), dtype=np.float64),
        prev_close=np.full(n_assets, np.nan),
    )
