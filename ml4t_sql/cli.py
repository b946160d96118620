"""The `ml4t-sql` command: argument parsing only; the work is in the library.

    ml4t-sql run CONFIG [--warehouse DIR] [--quiet]     run a backtest; last stdout line = run id
    ml4t-sql query SQL [--warehouse DIR] [--csv]        query the run tables
    ml4t-sql check CONFIG                               validate config and data; nothing runs or is written
    ml4t-sql check --lookahead CONFIG [--cuts N]        also rerun the strategy on the data cut after N dates
    ml4t-sql check --warehouse DIR                      verify every run's files, repair the catalog
    ml4t-sql sweep CONFIG [--warehouse DIR] [--quiet]   run every variant of its [sweep] grid; last line = run id
    ml4t-sql capacity CONFIG --capital 1e6,1e7,... [--participation F] [--impact K]
                                                        the strategy as one sweep over capital (cap and impact on)
    ml4t-sql research CONFIG [--warehouse DIR] [-o FILE]  study the config's signal (IC, quantiles); last line = run id
    ml4t-sql report RUN_ID [-o FILE] [--warehouse DIR]  write the run's offline HTML report (a research run's page)
    ml4t-sql runs [--warehouse DIR]                     list runs with their headline metrics
    ml4t-sql compare RUN_A RUN_B ... [-o FILE]          metrics side by side; -o: HTML with the curves

Exit status: 0 done (a run that landed but whose views in ml4t.duckdb could not be refreshed
is done: a warning on stderr says so and how to refresh them); 1 `check` found problems (with
`--lookahead`: also a relation that changes when the data stop after a cut date); 2 a user
error, or a disk or database error (a short message, no traceback): for `run` and `sweep`, 2 means
nothing was published. Warnings (StoreWarning: damaged runs left out, a catalog rebuilt) go to
stderr as `warning: ...` lines.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import duckdb
import polars as pl

from . import __version__
from .errors import Ml4tError, StoreWarning
from .pipeline import run
from .report.tearsheet import compare_metrics, render_compare, write_report
from .store.runs import format_runs, list_runs, load_research, load_runs, resolve_run_id, run_kind_of
from .store.warehouse import connect
from .strategy.lookahead import DEFAULT_CUTS
from .sweeps import sweep
from .validation import check, check_warehouse, format_check, format_warehouse_check

HEADLINE = ("total_return", "cagr", "sharpe", "max_drawdown", "annual_turnover", "total_costs")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", StoreWarning)
        warnings.showwarning = _show_warning
        try:
            return int(args.func(args))
        except Ml4tError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except duckdb.Error as exc:
            print(f"error: {str(exc).strip()}", file=sys.stderr)
            return 2
        except OSError as exc:  # a file the command reads or writes: missing, read-only, disk full
            print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    if issubclass(category, StoreWarning):
        print(f"warning: {message}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno), end="", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ml4t-sql", description="Relational backtests: Parquet in, SQL targets, tables out."
    )
    parser.add_argument("--version", action="version", version=f"ml4t-sql {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a backtest from a TOML config; prints the run id last")
    p.add_argument("config", help="path to the run's TOML configuration")
    p.add_argument("--warehouse", help="warehouse folder (default: [output] warehouse of the config)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the run id")
    p.set_defaults(func=_run)

    q = sub.add_parser("query", help="run SQL over the warehouse's tables and print the result")
    q.add_argument("sql", help='a SQL query, e.g. "select date, nav from equity order by date"')
    q.add_argument("--warehouse", default="warehouse", help="warehouse folder (default: ./warehouse)")
    q.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    q.add_argument("--max-rows", type=int, default=50, help="rows to show in table output (default 50; -1 = all)")
    q.set_defaults(func=_query)

    r = sub.add_parser("report", help="write a run's self-contained HTML report (opens offline)")
    r.add_argument("run_id", help="run id, or `latest`")
    r.add_argument("-o", "--output", default="report.html", help="HTML file to write (default: report.html)")
    r.add_argument("--warehouse", default="warehouse", help="warehouse folder (default: ./warehouse)")
    r.set_defaults(func=_report)

    ls = sub.add_parser("runs", help="list the runs of a warehouse with their headline metrics")
    ls.add_argument("--warehouse", default="warehouse", help="warehouse folder (default: ./warehouse)")
    ls.set_defaults(func=_runs)

    cmp = sub.add_parser("compare", help="print runs' metrics side by side; -o also writes an HTML page")
    cmp.add_argument("run_ids", nargs="+", metavar="RUN_ID", help="two or more run ids (or `latest`)")
    cmp.add_argument("-o", "--output", help="also write an HTML page with the equity curves together")
    cmp.add_argument("--warehouse", default="warehouse", help="warehouse folder (default: ./warehouse)")
    cmp.set_defaults(func=_compare)

    c = sub.add_parser(
        "check",
        help="validate a config and its data without running (a data-quality report), and/or verify a warehouse",
    )
    c.add_argument("config", nargs="?", help="path to the run's TOML configuration")
    c.add_argument(
        "--warehouse",
        help="verify this warehouse: every run's files against its manifest (rows, sha256), the catalog "
        "(rebuilt if damaged); with CONFIG, also the warehouse its preflight checks",
    )
    c.add_argument(
        "--lookahead",
        action="store_true",
        help="also rerun the strategy on the inputs truncated after several rebalance dates and report the "
        "first relation whose rows dated <= the cut change",
    )
    c.add_argument(
        "--cuts",
        type=int,
        default=DEFAULT_CUTS,
        metavar="N",
        help=f"with --lookahead: how many rebalance dates to cut after (default {DEFAULT_CUTS}: the first, "
        "the last and evenly spread between)",
    )
    c.set_defaults(func=_check)

    rs = sub.add_parser("research", help="study the config's signal before a backtest; prints the run id last")
    rs.add_argument("config", help="path to a TOML configuration ([strategy] signal, optional [research])")
    rs.add_argument("--warehouse", help="warehouse folder (default: [output] warehouse of the config)")
    rs.add_argument("--quiet", "-q", action="store_true", help="print only the run id")
    rs.add_argument("-o", "--output", help="also write the study's offline HTML page to this file")
    rs.set_defaults(func=_research)

    s = sub.add_parser("sweep", help="run every variant of the config's [sweep] grid; prints the run id last")
    s.add_argument("config", help="path to a TOML configuration with a [sweep] table")
    s.add_argument("--warehouse", help="warehouse folder (default: [output] warehouse of the config)")
    s.add_argument("--quiet", "-q", action="store_true", help="print only the run id")
    s.set_defaults(func=_sweep)

    cp = sub.add_parser("capacity", help="run the strategy as one sweep over initial capital, cap and impact on")
    cp.add_argument("config", help="path to a TOML configuration")
    cp.add_argument("--capital", required=True, help="comma-separated capital levels, e.g. 1e6,1e7,1e8,1e9")
    cp.add_argument("--participation", type=float, default=0.01,
                    help="max_participation where the config sets none (default 0.01: 1%% of the bar's volume)")
    cp.add_argument("--impact", type=float, default=0.1,
                    help="impact_coefficient where the config sets none or 0 (default 0.1)")
    cp.add_argument("--warehouse", help="warehouse folder (default: [output] warehouse of the config)")
    cp.add_argument("--quiet", "-q", action="store_true", help="print only the run id")
    cp.set_defaults(func=_capacity)
    return parser


def _capacity(args: argparse.Namespace) -> int:
    from .capacity import capacity
    from .errors import ConfigError

    try:
        capitals = [float(c) for c in args.capital.split(",") if c.strip()]
    except ValueError:
        raise ConfigError(f"capacity --capital: expected numbers like 1e6,1e7, got {args.capital!r}") from None
    table, result = capacity(args.config, capitals, participation=args.participation, impact=args.impact,
                             warehouse=args.warehouse)  # fmt: skip
    if not args.quiet:
        shown = table.select(
            pl.col("capital").map_elements(lambda c: f"{c:,.0f}", return_dtype=pl.String),
            *(pl.col(c).map_elements(lambda v: f"{v:.1%}", return_dtype=pl.String).alias(c)
              for c in ("total_return", "cagr", "max_drawdown", "fill_rate")),
            pl.col("sharpe").round(2), "partial_orders",
            *(pl.col(c).round(2) for c in ("cost_bps", "commission_bps", "spread_bps", "impact_bps")),
        )  # fmt: skip
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=250, tbl_hide_dataframe_shape=True,
                       tbl_hide_column_data_types=True):  # fmt: skip
            print(shown.select("capital", "total_return", "cagr", "sharpe", "max_drawdown", "fill_rate",
                               "partial_orders", "cost_bps", "commission_bps", "spread_bps", "impact_bps"))  # fmt: skip
        print(f"{len(table)} capital levels in {result.timings['total']:.2f} s, tables in {result.path}")
    print(result.run_id)
    return 0


def _sweep(args: argparse.Namespace) -> int:
    show = not args.quiet and sys.stderr.isatty()
    result = sweep(args.config, warehouse=args.warehouse, progress=_progress() if show else None)
    if not args.quiet:
        table = result.compare("total_return", "sharpe", "max_drawdown", "annual_turnover")
        with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=80):
            print(table)
        print(f"{len(table)} variants in {result.timings['total']:.2f} s, tables in {result.path}")
    print(result.run_id)
    return 0


def _research(args: argparse.Namespace) -> int:
    from .diagnostics import research, summary_lines

    result = research(args.config, warehouse=args.warehouse)
    if not args.quiet:
        for line in summary_lines(result.tables):
            print(line)
        print(f"tables in {result.path} ({result.timings['total']:.2f} s)")
    if args.output:
        out = result.report(args.output)
        if not args.quiet:
            print(out)
    print(result.run_id)
    return 0


def _run(args: argparse.Namespace) -> int:
    show = not args.quiet and sys.stderr.isatty()
    result = run(args.config, warehouse=args.warehouse, progress=_progress() if show else None)
    for warning in result.quality.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        stats = result.stats()
        for key in HEADLINE:
            print(f"{key:>16}  {stats.get(key, float('nan')):,.4f}")
        print(f"{'tables':>16}  {result.path}")
        print(f"{'time':>16}  {result.timings['total']:.2f} s")
    print(result.run_id)
    return 0


def _query(args: argparse.Namespace) -> int:
    con = connect(args.warehouse)
    try:
        frame = con.sql(args.sql).pl()
    finally:
        con.close()
    if args.csv:
        sys.stdout.write(frame.write_csv())
        return 0
    rows = frame.height if args.max_rows < 0 else args.max_rows
    with pl.Config(tbl_rows=rows, tbl_cols=-1, fmt_str_lengths=60, fmt_float="full"):
        print(frame)
    return 0


def _check(args: argparse.Namespace) -> int:
    """Exit 0: no errors; 1: errors found (each listed; a run would stop at the first), or a
    damaged run (or views that could not be refreshed) in `--warehouse`."""
    if args.lookahead and args.config is None:
        raise Ml4tError("check: --lookahead needs a CONFIG (the strategy to rerun on the cut inputs)")
    if args.config is None and args.warehouse is None:
        raise Ml4tError("check: give a CONFIG to validate, --warehouse DIR to verify, or both")
    status = 0
    if args.config is not None:
        result = check(args.config, warehouse=args.warehouse, lookahead=args.lookahead, cuts=args.cuts)
        print(format_check(result))
        status = 0 if result.ok else 1
    if args.warehouse is not None:
        verified = check_warehouse(args.warehouse)
        print(("\n" if args.config is not None else "") + format_warehouse_check(verified))
        status = max(status, 0 if verified.ok else 1)
    return status


def _report(args: argparse.Namespace) -> int:
    run_id = resolve_run_id(args.warehouse, args.run_id)
    if run_kind_of(args.warehouse, run_id) == "research":
        from .report.research import write_research_report

        print(write_research_report(load_research(args.warehouse, run_id), args.output))
        return 0
    (tables,) = load_runs(args.warehouse, [run_id])
    print(write_report(tables, args.output))
    return 0


def _runs(args: argparse.Namespace) -> int:
    print(format_runs(list_runs(args.warehouse)))
    return 0


def _compare(args: argparse.Namespace) -> int:
    runs = load_runs(args.warehouse, args.run_ids)
    ids, rows = compare_metrics(runs)
    width = max(len(key) for key, _ in rows)
    print(f"{'metric':<{width}}  " + "  ".join(f"{run_id:>22}" for run_id in ids))
    for key, values in rows:
        print(f"{key:<{width}}  " + "  ".join(f"{value:>22,.4f}" for value in values))
    if args.output:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_compare(runs), encoding="utf-8")
        print(out)
    return 0


def _progress() -> Callable[[int, int], None]:
    started = time.perf_counter()
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] < 0.2 and done < total:
            return
        last[0] = now
        rate = done / max(now - started, 1e-9)
        left = (total - done) / rate if rate > 0 else 0.0
        end = "\n" if done == total else ""
        print(
            f"\rfold: {done}/{total} dates, {rate:,.0f} dates/s, {left:.1f} s left",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    return report


if __name__ == "__main__":
    raise SystemExit(main())
