"""Financing inputs: `[data] rates` and `[data] borrow_fees`, checked, and the fold's `Finance` arrays.

Leaves on the connection (ml4t_sql.data.sources calls `load_financing` after the calendar):

- `ml4t.rates(date, rate)` (sql/sources/rates.sql): the rates input typed. Refused: NULL or
  unreadable dates, duplicate dates, NULL/NaN/infinite rates or rates outside -1 < rate < 1
  (sql/checks/bad_rate.sql), no rows; window dates whose previous close is after the series'
  last row (sql/checks/stale_rate.sql) are refused, or carried under `[data.quality]
  stale_rate = "carry"` (a finding in the report with those dates);
- `ml4t.borrow_fees([date,] asset, fee)` (sql/sources/borrow_fees.sql): static or point-in-time.
  Refused: NULL keys, unreadable dates, duplicate keys, NULL/NaN/infinite or negative fees
  (sql/checks/bad_fee.sql); warned (or refused, `unknown_fee_asset = "fail"`): fees of assets
  without any price bar.

`FinanceInputs.chunk` gives the fold its `engine.panel.Finance` for a chunk of window dates:
the calendar days since each previous window date, the rate in force at it
(sql/sources/rate_by_date.sql) and each asset's fee (sql/sources/fee_by_date.sql). With every
rate 0 and neither relation, `finance_inputs` returns None and the fold's step does nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np

from ..config import Config, Execution
from ..engine.panel import Finance
from ..errors import InputError
from ..templates import render
from .checks import Checked, Rule, run_rules
from .inputs import register_input
from .quality import NAIVE_TS, NUMERIC, QualityReport
from .relations import create
from .rules import check_intraday


def load_financing(
    con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport, registered: dict[str, dict[str, str]]
) -> None:
    """`ml4t.rates` and `ml4t.borrow_fees` from the configured inputs, checked (see the module)."""
    d = cfg.data
    if d.rates is not None:
        columns = registered.get("rates") or register_input(con, "rates", d.rates, cfg)
        _require(columns, "rates", {cfg.data.columns.date: (cfg.data.columns.date, "date"), "rate": ("rate",)})
        date = _date(columns, "rates", cfg.data.columns.date, required=True)
        rate = _value(columns, "rates", "rate")
        assert date is not None
        utc = _utc(columns[date])
        if columns[date] != "DATE":
            check_intraday(con, "rates", "input_rates", date, report, utc=utc)
        create(con, "rates", render("sources/rates", date=date, rate=rate, utc=utc))
        keys: dict[str, tuple[str, ...]] = {"keys": ("date",)}
        rules = [
            Rule("null_key", "NULL date", structure=keys),
            Rule("date_range", "dates outside 0001-01-01 .. 9999-12-31, or infinite"),
            Rule("duplicate_key", "duplicate dates", structure=keys, order="date", hint="give one rate per date"),
            Rule("bad_rate", "NULL, NaN or infinite rates, or rates outside -1 < rate < 1 (annual decimals)",
                 hint="rates are annual decimals: 0.05 for 5%"),
            Rule("stale_rate", "window dates after the rates end (their previous close has no newer rate)",
                 policy="stale_rate", order="date", unit="dates",
                 hint="extend the rates past the window, end the window earlier, or "),
        ]  # fmt: skip
        run_rules(con, report, Checked("rates", "rates", order="date"), rules, quality=d.quality,
                  empty="has no rows", empty_hint="give its rows, or drop the key")  # fmt: skip
        _say_carried(con, report)
    if d.borrow_fees is not None:
        columns = registered.get("borrow_fees") or register_input(con, "borrow_fees", d.borrow_fees, cfg)
        date = _date(columns, "borrow_fees", cfg.data.columns.date, required=False)
        asset = next((c for c in (cfg.data.columns.asset, "asset") if c in columns), None)
        if asset is None:
            raise InputError("borrow_fees", "expected (asset, fee) or (date, asset, fee)",
                             hint=f"its columns are: {', '.join(columns) or '(none)'}")  # fmt: skip
        fee = _value(columns, "borrow_fees", "fee")
        utc = date is not None and _utc(columns[date])
        if date is not None and columns[date] != "DATE":
            check_intraday(con, "borrow_fees", "input_borrow_fees", date, report, utc=utc, asset=asset)
        create(con, "borrow_fees", render("sources/borrow_fees", dated=date is not None, date=date, asset=asset,
                                          fee=fee, utc=utc))  # fmt: skip
        fee_keys: dict[str, tuple[str, ...]] = {"keys": ("date", "asset") if date is not None else ("asset",)}
        key_text = "(date, asset)" if date is not None else "asset"
        rules = [Rule("null_key", f"NULL {' or '.join(fee_keys['keys'])}", structure=fee_keys)]
        if date is not None:
            rules.append(Rule("date_range", "dates outside 0001-01-01 .. 9999-12-31, or infinite"))
        rules += [
            Rule("duplicate_key", f"duplicate {key_text} rows", structure=fee_keys, order=", ".join(fee_keys["keys"]),
                 hint=f"give one fee per {key_text}"),
            Rule("bad_fee", "NULL, NaN, infinite or negative fees (annual decimals, >= 0)",
                 hint="fees are annual decimals: 0.01 for 1%"),
            Rule("unknown_fee_asset", "fees for assets that have no prices", policy="unknown_fee_asset",
                 order="asset", unit="assets"),
        ]  # fmt: skip
        run_rules(con, report, Checked("borrow_fees", "borrow_fees", order="asset"), rules, quality=d.quality,
                  empty="has no rows", empty_hint="give its rows, or drop the key")  # fmt: skip


def _say_carried(con: duckdb.DuckDBPyConnection, report: QualityReport) -> None:
    """Under `stale_rate = "carry"`: a warning naming the rate carried and the dates it covers."""
    finding = report.findings.get("stale_rate")
    if finding is None or finding.policy != "carry":
        return
    sql = render("checks/stale_rate", relation="rates")
    first, last, n, since = con.sql(
        f"select min(s.date), max(s.date), count(*), any_value(s.last_rate_date) from ({sql}) as s"
    ).fetchall()[0]
    (rate,) = con.sql("select rate from ml4t.rates where date = $d", params={"d": since}).fetchall()[0]
    report.warnings.append(
        f"rates: the series ends on {since}; its last rate {rate!r} is carried to the {n} window dates "
        f"{first} .. {last} (stale_rate = 'carry')"
    )


@dataclass(frozen=True)
class FinanceInputs:
    """The window's financing inputs, from which each chunk's `Finance` is cut."""

    days: np.ndarray  # [T] calendar days since the previous window date (0 on the first)
    rate: np.ndarray | None  # [T] the rate in force at the previous close (NaN: none)
    dated_fees: bool | None  # None: no borrow_fees

    def chunk(
        self, con: duckdb.DuckDBPyConnection, start: int, stop: int, n_assets: int, prev_close: np.ndarray
    ) -> Finance:
        """`Finance` for window dates start..stop-1 (`prev_close`: the last closes of date start - 1)."""
        fee = None
        if self.dated_fees is not None:
            fee = np.full((stop - start, n_assets), np.nan)
            sql = render("sources/fee_by_date", dated=self.dated_fees)
            rows = con.sql(sql, params={"start": start, "stop": stop}).to_arrow_table()
            d = np.asarray(rows.column("date_idx").to_numpy(), dtype=np.int64) - start
            a = np.asarray(rows.column("asset_idx").to_numpy(), dtype=np.int64)
            fee[d, a] = np.asarray(rows.column("fee").to_numpy(), dtype=np.float64)
        rate = None if self.rate is None else self.rate[start:stop]
        return Finance(self.days[start:stop], rate, fee, prev_close)


def finance_inputs(
    con: duckdb.DuckDBPyConnection, cfg: Config, executions: Sequence[Execution], dates: np.ndarray
) -> FinanceInputs | None:
    """The window's `FinanceInputs`, or None when no variant has a rate and neither relation is given."""
    rates = any(x.cash_rate or x.margin_rate or x.short_fee for x in executions)
    if not rates and cfg.data.rates is None and cfg.data.borrow_fees is None:
        return None
    days = np.zeros(len(dates))
    if len(dates) > 1:
        days[1:] = np.diff(np.asarray(dates, dtype="datetime64[D]")).astype(np.float64)
    rate = None
    if cfg.data.rates is not None:
        column = con.sql(render("sources/rate_by_date")).to_arrow_table().column("rate")
        rate = np.asarray(column.to_numpy(), dtype=np.float64)  # NULL -> NaN: cash_rate applies
    dated = None
    if cfg.data.borrow_fees is not None:
        dated = "date" in [str(r[0]) for r in con.sql("describe ml4t.borrow_fees").fetchall()]
    return FinanceInputs(days, rate, dated)


def _require(columns: dict[str, str], relation: str, names: dict[str, tuple[str, ...]]) -> None:
    """Refuse an input without any spelling of one of `names` (name -> its accepted spellings),
    listing every missing one at once."""
    missing = [repr(name) for name, spellings in names.items() if not any(c in columns for c in spellings)]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InputError(relation, f"missing required column{plural} {' and '.join(missing)}",
                         hint=f"columns: {', '.join(columns)}")  # fmt: skip


def _date(columns: dict[str, str], relation: str, mapped: str, *, required: bool) -> str | None:
    date = next((c for c in (mapped, "date") if c in columns), None)
    if date is None:
        if required:
            raise InputError(relation, f"missing required column {mapped!r}", hint=f"columns: {', '.join(columns)}")
        return None
    dtype = columns[date]
    if dtype != "DATE" and dtype not in NAIVE_TS and not _utc(dtype):
        raise InputError(relation, f"column {date!r} must be a DATE or a timestamp, but it is {dtype}")
    return date


def _value(columns: dict[str, str], relation: str, name: str) -> str:
    if name not in columns:
        raise InputError(relation, f"missing required column {name!r}", hint=f"columns: {', '.join(columns)}")
    if not NUMERIC.match(columns[name]):
        raise InputError(relation, f"column {name!r} must be numeric, but it is {columns[name]}")
    return name


def _utc(dtype: str) -> bool:
    return dtype.startswith("TIMESTAMP WITH TIME ZONE") or dtype == "TIMESTAMPTZ"
