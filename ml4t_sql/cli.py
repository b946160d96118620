"""The `ml4t-sql` command: argument parsing only; the work is in the library.

    ml4t-sql run CONFIG [--warehouse DIR] [--quiet]     run a backtest; last stdout line = run id
    ml4t-sql query SQL [--run RUN] [--raw] [--csv|--json [FILE]] [--parquet FILE]   query the run tables
    ml4t-sql check CONFIG                               validate config and data; nothing runs or is written
    ml4t-sql check --lookahead CONFIG [--cuts N]        also rerun the strategy on the data cut after N dates
    ml4t-sql check --warehouse DIR                      verify every run's files, repair the catalog
    ml4t-sql sweep CONFIG [--sort METRIC] [--quiet]     run every variant of its [sweep] grid; last line = run id
    ml4t-sql capacity CONFIG --capital 1e6,1e7,... [--participation F] [--impact K] [-o FILE]
                                                        the strategy as one sweep over capital (cap and impact on)
    ml4t-sql research CONFIG [--warehouse DIR] [-o FILE]  study the config's signal (IC, quantiles); last line = run id
    ml4t-sql report RUN_ID [--variant V] [-o FILE]      the run's offline HTML report (a sweep: its heatmap page;
                                                        a capacity run: its capacity page)
    ml4t-sql runs [--warehouse DIR]                     list runs with their headline metrics (sweeps: best, worst)
    ml4t-sql compare RUN_A RUN_B:VARIANT ... [-o FILE]  metrics side by side, then the config values that differ

The warehouse: `--warehouse DIR`, else $ML4T_SQL_WAREHOUSE, else the config's `[output] warehouse`
(commands with a CONFIG), else ./warehouse (ml4t_sql.store.locate); stderr names it unless it came
from the flag. A run is named by its id, `latest`, or its `[output] name` (its most recent run).

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
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import duckdb

from . import __version__, console
from . import format as fmt
from .errors import Ml4tError, StoreWarning
from .pipeline import run
from .report.capacity_page import is_capacity_sweep, load_capacity, write_capacity_report
from .report.tearsheet import compare_metrics, render_compare, write_report
from .store.locate import Located, config_warehouse, locate, remember
from .store.moved import repoint_catalog
from .store.runs import format_runs, list_runs, load_research, load_runs, resolve_run_id, run_kind_of
from .store.variants import load_variant
from .store.warehouse import connect
from .strategy.lookahead import DEFAULT_CUTS
from .sweeps import sweep
from .validation import check, check_warehouse, format_check, format_warehouse_check

HEADLINE = console.HEADLINE
WAREHOUSE_HELP = "warehouse folder (default: $ML4T_SQL_WAREHOUSE, else ./warehouse)"
CONFIG_WAREHOUSE_HELP = "warehouse folder (default: $ML4T_SQL_WAREHOUSE, else [output] warehouse, else ./warehouse)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", StoreWarning)
        warnings.showwarning = _show_warning
        _NOTES.clear()
        try:
            status = int(args.func(args))
            for note in _NOTES:
                print(note, file=sys.stderr)
            return status
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
    p.add_argument("--warehouse", help=CONFIG_WAREHOUSE_HELP)
    p.add_argument("--quiet", "-q", action="store_true", help="print only the run id")
    p.set_defaults(func=_run)

    q = sub.add_parser("query", help="run SQL over the warehouse's tables and print the result")
    q.add_argument("sql", help='a SQL query, e.g. "select date, nav from equity order by date"')
    q.add_argument("--warehouse", help=WAREHOUSE_HELP)
    q.add_argument("--run", help="only this run's rows in every table: a run id, `latest` or a run's name")
    q.add_argument("--raw", action="store_true", help="full precision (default: rounded for reading)")
    q.add_argument("--csv", nargs="?", const="-", metavar="FILE", help="write CSV to FILE (default: stdout)")
    q.add_argument("--json", nargs="?", const="-", metavar="FILE", help="write JSON rows to FILE (default: stdout)")
    q.add_argument("--parquet", metavar="FILE", help="write the result to a Parquet file")
    q.add_argument("--max-rows", type=int, default=50, help="rows to show in table output (default 50; -1 = all)")
    q.set_defaults(func=_query)

    r = sub.add_parser("report", help="write a run's self-contained HTML report (opens offline)")
    r.add_argument("run_id", help="run id, `latest`, or a run's name")
    r.add_argument("--variant", help="a sweep's variant: `best`, `worst` (by Sharpe), its number or its name")
    r.add_argument("-o", "--output", help="HTML file to write (default: <warehouse>/reports/<run id>.html)")
    r.add_argument("--warehouse", help=WAREHOUSE_HELP)
    r.set_defaults(func=_report)

    ls = sub.add_parser("runs", help="list the runs of a warehouse with their headline metrics")
    ls.add_argument("--warehouse", help=WAREHOUSE_HELP)
    ls.set_defaults(func=_runs)

    cmp = sub.add_parser("compare", help="print runs' metrics side by side; -o also writes an HTML page")
    cmp.add_argument(
        "run_ids", nargs="+", metavar="RUN_ID", help="two or more run ids (`latest`, a name, RUN_ID:VARIANT)"
    )
    cmp.add_argument("-o", "--output", help="also write an HTML page with the equity curves together")
    cmp.add_argument("--warehouse", help=WAREHOUSE_HELP)
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
    rs.add_argument("--warehouse", help=CONFIG_WAREHOUSE_HELP)
    rs.add_argument("--quiet", "-q", action="store_true", help="print only the run id")
    rs.add_argument("-o", "--output", help="also write the study's offline HTML page to this file")
    rs.set_defaults(func=_research)

    s = sub.add_parser("sweep", help="run every variant of the config's [sweep] grid; prints the run id last")
    s.add_argument("config", help="path to a TOML configuration with a [sweep] table")
    s.add_argument("--warehouse", help=CONFIG_WAREHOUSE_HELP)
    s.add_argument("--quiet", "-q", action="store_true", help="print only the run id")
    s.add_argument("--sort", default="sharpe", metavar="METRIC", help="order the variants by METRIC (default sharpe)")
    s.set_defaults(func=_sweep)

    cp = sub.add_parser("capacity", help="run the strategy as one sweep over initial capital, cap and impact on")
    cp.add_argument("config", help="path to a TOML configuration")
    cp.add_argument("--capital", required=True, help="comma-separated capital levels, e.g. 1e6,1e7,1e8,1e9")
    cp.add_argument("--participation", type=float, default=0.01,
                    help="max_participation where the config sets none (default 0.01: 1%% of the bar's volume)")
    cp.add_argument("--impact", type=float, default=0.1,
                    help="impact_coefficient where the config sets none or 0 (default 0.1)")
    cp.add_argument("--warehouse", help=CONFIG_WAREHOUSE_HELP)
    cp.add_argument("-o", "--output", help="also write the capacity page (the table and a chart) to this HTML file")
    cp.add_argument("--quiet", "-q", action="store_true", help="print only the run id")
    cp.set_defaults(func=_capacity)
    return parser


def _writing(args: argparse.Namespace) -> Path:
    """The warehouse a run, sweep or research run publishes to (store.locate), said on stderr."""
    located = locate(args.warehouse, config_warehouse=config_warehouse(Path(args.config)))
    return _said(located)


def _reading(args: argparse.Namespace) -> Path:
    """The warehouse a command reads (store.locate); views that point elsewhere rebuilt."""
    root = _said(locate(args.warehouse))
    if root.is_dir():
        repoint_catalog(root)
    return root


_NOTES: list[str] = []
"""Said on stderr once the command has succeeded (an error message names its own paths)."""


def _said(located: Located) -> Path:
    if located.source != "flag":
        _NOTES.append(located.describe())
    return located.path


def _capacity(args: argparse.Namespace) -> int:
    from .capacity import COLUMNS, capacity
    from .errors import ConfigError

    try:
        capitals = [float(c) for c in args.capital.split(",") if c.strip()]
    except ValueError:
        raise ConfigError(f"capacity --capital: expected numbers like 1e6,1e7, got {args.capital!r}") from None
    table, result = capacity(args.config, capitals, participation=args.participation, impact=args.impact,
                             warehouse=_writing(args))  # fmt: skip
    if not args.quiet:
        kinds = {column: kind for column, _, kind in COLUMNS}
        rows = [[fmt.fmt(r[c], kinds[c]) for c in kinds] for r in table.iter_rows(named=True)]
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(kinds)]
        print("  ".join(c.rjust(w) for c, w in zip(kinds, widths, strict=True)))
        for r in rows:
            print("  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)))
        print(f"{len(table)} capital levels in {result.timings['total']:.2f} s, tables in {result.path}")
    if args.output:
        out = write_capacity_report(result.tables["runs"], table, args.output)
        if not args.quiet:
            print(out)
    print(result.run_id)
    return 0


def _sweep(args: argparse.Namespace) -> int:
    root = _writing(args)
    show = not args.quiet and sys.stderr.isatty()
    result = sweep(args.config, warehouse=root, progress=console.progress() if show else None)
    remember(root)
    if not args.quiet:
        print(console.sweep_text(result.compare(), sort=args.sort))
        print(f"{len(result.variants)} variants in {result.timings['total']:.2f} s, tables in {result.path}")
    print(result.run_id)
    return 0


def _research(args: argparse.Namespace) -> int:
    from .diagnostics import research, summary_lines

    root = _writing(args)
    result = research(args.config, warehouse=root)
    remember(root)
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
    root = _writing(args)
    show = not args.quiet and sys.stderr.isatty()
    result = run(args.config, warehouse=root, progress=console.progress() if show else None)
    remember(root)
    for note in result.quality.get("notes", []):  # where the window starts, cash at its start
        print(f"note: {note}", file=sys.stderr)
    for warning in result.quality.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        stats = result.stats()
        for key in HEADLINE:
            print(f"{key:>16}  {fmt.metric(key, stats.get(key))}")
        print(f"{'tables':>16}  {result.path}")
        print(f"{'time':>16}  {result.timings['total']:.2f} s")
    print(result.run_id)
    return 0


def _query(args: argparse.Namespace) -> int:
    con = connect(_reading(args), run=args.run)
    try:
        frame = con.sql(args.sql).pl()
    finally:
        con.close()
    machine = False
    for kind, target in (("csv", args.csv), ("json", args.json), ("parquet", args.parquet)):
        if target is None:
            continue
        machine = True
        if target == "-" and kind != "parquet":
            sys.stdout.write(frame.write_csv() if kind == "csv" else frame.write_ndjson())
            continue
        out = Path(target)
        out.parent.mkdir(parents=True, exist_ok=True)
        {"csv": frame.write_csv, "json": frame.write_ndjson, "parquet": frame.write_parquet}[kind](out)
        print(f"{frame.height} rows written to {out}", file=sys.stderr)
    if not machine:
        print(console.render(frame, max_rows=args.max_rows, raw=args.raw))
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
        target = args.warehouse if args.warehouse is not None else _writing(args)  # the preflight's warehouse
        result = check(args.config, warehouse=target, lookahead=args.lookahead, cuts=args.cuts)
        print(format_check(result))
        status = 0 if result.ok else 1
    if args.warehouse is not None:
        verified = check_warehouse(args.warehouse)
        print(("\n" if args.config is not None else "") + format_warehouse_check(verified))
        status = max(status, 0 if verified.ok else 1)
    return status


def _report(args: argparse.Namespace) -> int:
    root = _reading(args)
    run_id = resolve_run_id(root, args.run_id)
    name = run_id if args.variant is None else f"{run_id}-variant-{args.variant}"
    output = Path(args.output) if args.output else root / "reports" / f"{name}.html"
    if run_kind_of(root, run_id) == "research":
        from .report.research import write_research_report

        print(write_research_report(load_research(root, run_id), output))
        return 0
    if args.variant is not None:
        tables = load_variant(root, run_id, args.variant)
    elif run_kind_of(root, run_id) == "sweep" and is_capacity_sweep(root, run_id):
        print(write_capacity_report(*load_capacity(root, run_id), output))
        return 0
    elif run_kind_of(root, run_id) == "sweep":
        from .report.sweep_page import load_sweep_tables, write_sweep_report

        print(write_sweep_report(load_sweep_tables(root, run_id), output))
        print(f"note: {run_id} is a sweep: this is its heatmap page; `--variant best` writes a variant's tearsheet",
              file=sys.stderr)  # fmt: skip
        return 0
    else:
        (tables,) = load_runs(root, [run_id])
    print(write_report(tables, output))
    return 0


def _runs(args: argparse.Namespace) -> int:
    print(format_runs(list_runs(_reading(args))))
    return 0


def _compare(args: argparse.Namespace) -> int:
    runs = load_runs(_reading(args), args.run_ids)
    ids, rows = compare_metrics(runs)
    configs = [str(run["runs"].column("config")[0].as_py() or "{}") for run in runs]
    names = [str(run["runs"].column("name")[0].as_py() or "") for run in runs]
    print(console.compare_text(ids, rows, configs, names))
    if args.output:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_compare(runs), encoding="utf-8")
        print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
