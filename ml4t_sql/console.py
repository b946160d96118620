"""Tables for a terminal: `query`'s result, `compare`'s metrics, `sweep`'s variants.

Numbers follow ml4t_sql.format. `query` rounds by column: money columns (NAV, cash, values,
prices, costs, financing, P&L) to cents, every other float to four significant digits, integers
with thousands separators (not years, months, variants or ids); `--raw` keeps full precision.
A float column of large numbers (any |value| >= 1e6) is shown as whole numbers. Polars prints the
table (its `Config`), sized to the terminal: long strings (run ids) are cut with an ellipsis,
then columns are left out in the middle (Polars' `…` column) until every line fits; a cell never
wraps.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from . import format as fmt
from .errors import Ml4tError

MONEY = {
    "nav", "cash", "market_value", "value", "notional", "commission", "slippage_cost", "cost", "costs", "price",
    "open", "high", "low", "close", "fill_price", "financing", "dividends", "pnl", "initial_cash", "final_nav",
    "impact_cost", "target_value", "cash_in_lieu", "equity",
}  # fmt: skip
MONEY_SUFFIXES = ("_value", "_cost", "_costs", "_price", "_nav", "_cash", "_pnl", "_notional", "_commission")
PLAIN_INTS = {"year", "month", "day", "variant", "quantile", "horizon", "rank"}
STR_LENGTHS = (24, 14, 8)
"""Longest string shown, tried in turn until the table fits (a run id has 22 characters)."""


def is_money(column: str) -> bool:
    """A money column: its name, or a word of an expression's name (`sum(notional)`), is money."""
    name = column.lower()
    words = re.findall(r"[a-z_]+", name)
    return any(w in MONEY or w.endswith(MONEY_SUFFIXES) for w in [name, *words])


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` rounded for reading (module docstring); other columns as they are."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype.is_float():
            big = frame.height > 0 and (frame[name].abs().max() or 0) >= 1e6  # type: ignore[operator]
            if is_money(name):
                exprs.append(col.round(2).cast(pl.Decimal(38, 2)))
            elif big:
                exprs.append(pl.when(col.is_finite()).then(col.round(0)).cast(pl.Decimal(38, 0)))
            else:
                exprs.append(col.round_sig_figs(4))
        elif dtype.is_integer() and (name.lower() in PLAIN_INTS or name.lower().endswith("_id")):
            exprs.append(col.cast(pl.String))
    return frame.with_columns(exprs) if exprs else frame


def _cut(frame: pl.DataFrame, length: int) -> pl.DataFrame:
    """Strings longer than `length` cut to `length - 1` characters and an ellipsis."""
    exprs = [
        pl.when(pl.col(n).str.len_chars() > length)
        .then(pl.col(n).str.slice(0, length - 1) + "…")
        .otherwise(pl.col(n))
        .alias(n)
        for n, t in frame.schema.items()
        if t == pl.String
    ]
    return frame.with_columns(exprs) if exprs else frame


def terminal_width() -> int:
    return shutil.get_terminal_size((120, 24)).columns


def render(frame: pl.DataFrame, *, width: int | None = None, max_rows: int = 50, raw: bool = False) -> str:
    """`frame` as a Polars table no wider than `width` (the terminal's by default)."""
    width = width or terminal_width()
    shown = frame if raw else readable(frame)
    rows = shown.height if max_rows < 0 else max_rows
    text = ""
    cut = {n: _cut(shown, n) for n in STR_LENGTHS}
    for cols in range(shown.width, 0, -1):
        for length in STR_LENGTHS:
            text = _polars(cut[length], rows=rows, cols=cols if cols < shown.width else -1, raw=raw)
            if max(len(line) for line in text.splitlines()) <= width:
                return text
    return text


def _polars(frame: pl.DataFrame, *, rows: int, cols: int, raw: bool) -> str:
    with pl.Config(
        tbl_rows=rows,
        tbl_cols=cols,
        tbl_width_chars=60_000,  # never wrap a cell: columns are left out instead (render)
        fmt_str_lengths=1_000,
        fmt_float="full" if raw else "mixed",
        thousands_separator=not raw,
        tbl_hide_column_data_types=not raw,
        tbl_hide_dataframe_shape=frame.height <= rows,
    ):
        return str(frame)


def compare_text(
    ids: Sequence[str],
    rows: Sequence[tuple[str, Sequence[float]]],
    configs: Sequence[str],
    names: Sequence[str] | None = None,
) -> str:
    """`compare`'s table (metric per line, a run per column; `names` first), then the config values
    that differ."""
    cells = [[fmt.metric(key, v) for v in values] for key, values in rows]
    if names is not None:
        rows = [("name", []), *rows]
        cells = [list(names), *cells]
    width = max([len("metric"), *(len(key) for key, _ in rows)])
    cols = [max(len(i), *(len(c[j]) for c in cells)) for j, i in enumerate(ids)]
    out = [f"{'metric':<{width}}  " + "  ".join(f"{i:>{w}}" for i, w in zip(ids, cols, strict=True))]
    for (key, _), line in zip(rows, cells, strict=True):
        out.append(f"{key:<{width}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(line, cols, strict=True)))
    diff = config_differences([json.loads(c or "{}") for c in configs])
    out.append("")
    if not diff:
        out.append("config: the same in every run")
        return "\n".join(out)
    kw = max([len("config"), *(len(k) for k in diff)])
    cw = [max(len(i), *(len(v[j]) for v in diff.values())) for j, i in enumerate(ids)]
    out.append(f"{'config':<{kw}}  " + "  ".join(f"{i:>{w}}" for i, w in zip(ids, cw, strict=True)))
    for key, values in diff.items():
        out.append(f"{key:<{kw}}  " + "  ".join(f"{v:>{w}}" for v, w in zip(values, cw, strict=True)))
    return "\n".join(out)


def config_differences(configs: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """`section.key` -> each run's value, for the config values not the same in every run."""
    flat = [_flatten(c) for c in configs]
    keys = sorted({k for f in flat for k in f})
    missing = "(unset)"
    return {k: [f.get(k, missing) for f in flat] for k in keys if len({f.get(k, missing) for f in flat}) > 1}


def _flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out |= _flatten(value, f"{name}.")
        else:
            out[name] = json.dumps(value) if not isinstance(value, str) else value
    return out


SWEEP_COLUMNS = (
    ("sharpe", "sharpe"), ("cagr", "cagr"), ("volatility", "vol"), ("max_drawdown", "max dd"),
    ("annual_turnover", "turnover"), ("total_costs", "costs"), ("total_return", "total"),
)  # fmt: skip


def sweep_text(table: pl.DataFrame, sort: str = "sharpe") -> str:
    """`sweep`'s table: one line per variant, best first by `sort` (NaN last), names unwrapped."""
    if sort not in table.columns:
        known = ", ".join(c for c in table.columns if c not in ("variant", "name"))
        raise Ml4tError(f"--sort {sort!r}: not a metric of this sweep; one of: {known}")
    ascending = sort in ("max_drawdown_duration", "longest_drawdown_duration", "volatility", "total_costs")
    ordered = table.sort(sort, descending=not ascending, nulls_last=True)
    cols = [(k, h) for k, h in SWEEP_COLUMNS if k in table.columns]
    if sort not in (k for k, _ in cols):
        cols.insert(0, (sort, sort))
    head = ["variant", "name", *(h for _, h in cols)]
    lines = [
        [str(r["variant"]), r["name"], *(fmt.metric(k, r[k]) for k, _ in cols)] for r in ordered.iter_rows(named=True)
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(head)]

    def row(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 1 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([row(head), *(row(line) for line in lines)])


HEADLINE = ("total_return", "cagr", "sharpe", "max_drawdown", "annual_turnover", "total_costs")


def headline(stats: Mapping[str, float]) -> str:
    """`total return 81.33%  cagr 16.06%  sharpe 0.92  ...`: a run's headline metrics on one line."""
    names = {"total_return": "total return", "max_drawdown": "max drawdown", "annual_turnover": "turnover"}
    names |= {"total_costs": "costs"}
    return "  ".join(f"{names.get(k, k)} {fmt.metric(k, stats.get(k))}" for k in HEADLINE if k in stats)


def run_summary(run_id: str, name: str | None, equity: pl.DataFrame, stats: Mapping[str, float], path: Any) -> str:
    """`print(run)`: id and name, window, headline metrics, where the tables are."""
    dates = equity["date"] if "date" in equity.columns else pl.Series([], dtype=pl.Date)
    window = f"{dates.min()!s} .. {dates.max()!s} ({fmt.count(dates.n_unique())} dates)" if len(dates) else "no dates"
    lines = [f"Run {run_id}" + (f"  {name}" if name else ""), f"  window  {window}", f"  {headline(stats)}"]
    lines.append(f"  tables  {path}" if path is not None else "  tables  in memory (write=False)")
    return "\n".join(lines)
