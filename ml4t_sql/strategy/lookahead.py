"""The look-ahead check: which relation of the strategy changes on dates <= d when the inputs stop at d?

    result = lookahead(con, cfg, cuts=6)   # con: after load_sources and build_targets (ml4t_sql.validation.check)
    result.ok, result.finding, result.cuts

The strategy runs once on the full inputs (the baseline) and once per cut date d on the inputs
truncated after d (ml4t_sql.data.asof: every input with a date column keeps its rows dated <= d).
The cut dates are the strategy's rebalance dates: the first, the last, and evenly spread between
(`cuts` in all). Each run is an ordinary registration of its inputs (as Arrow tables) on a
connection of its own, locked before any user SQL runs, as in a run. The relations compared, in
pipeline order:

1. every input computed by user SQL that has a `date` column: `prices` and `signals` from a
   `.sql` input (the engine's views of them), then the `.sql` `[data.tables]`;
2. a built-in strategy: each of its steps (ml4t_sql.strategy.steps: `universe`, `cutoffs`,
   `ranks`, `selection`, `targets`, and the universe's inputs when it has them); a custom
   strategy: the rows its SQL returns (`targets (strategy sql)`).

Rows dated <= d are compared as multisets, exactly: every column by value, floats to the bit
(and the sign of zero); NaN equals NaN. The finding is the first relation in that order that
changes at any cut, at the earliest such cut, with example rows from both sides. A finding is
confirmed by one more run on the full inputs: if that run, too, differs from the first (or the cut
removed no input row), the relation is reported as not deterministic instead, since look-ahead
cannot be told from noise then. A run on truncated inputs may stop with an error the full run does not
have (a no-signal date); that cut is listed with its error and counts as not compared.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Iterator

import duckdb

from ..config import Config
from ..data.asof import AsOf, Plan
from ..data.inputs import is_sql
from ..data.quality import QualityReport
from ..data.relations import qualified
from ..data.sources import load_sources
from ..errors import Ml4tError, format_rows
from ..templates import ident
from .compare import Diff, changed_dates, diff, digests
from .steps import Steps, built_in_steps, matches_targets, table
from .targets import build_targets

EXAMPLES = 3
DEFAULT_CUTS = 6


@dataclasses.dataclass(frozen=True)
class Change:
    """A relation whose rows dated <= `cut` differ between the full run and the run cut after it.

    rows: the rows of the full run that the cut run lacks (`gone`), those only the cut run has
    (`new`), and the first of each. deterministic: False when a second run on the full inputs
    differs from the first as well (or the cut removed no input row): noise, not look-ahead."""

    relation: str
    cut: dt.date
    rows: Diff
    deterministic: bool = True

    def message(self) -> str:
        """The error `check` reports: what changed, where, and the first rows of each side."""
        gone, new = f"{self.rows.gone:,}", f"{self.rows.new:,}"
        if not self.deterministic:
            head = (
                f"look-ahead check: `{self.relation}` is not deterministic: two runs on the same inputs differ on "
                f"dates <= {self.cut} ({gone} rows of the first run missing from the second, {new} new); sum doubles "
                "in a fixed order (README, *Your own strategy*), then check again"
            )
        else:
            head = (
                f"look-ahead: `{self.relation}` changes on dates <= {self.cut} when the inputs stop after {self.cut} "
                f"({gone} rows of the full run differ or are gone, {new} rows are new): its rows dated <= "
                f"{self.cut} depend on data dated after it"
            )
        parts = [head]
        if self.rows.gone_examples:
            parts += ["with all the inputs:", format_rows(list(self.rows.gone_examples))]
        if self.rows.new_examples:
            parts += [f"with the inputs up to {self.cut}:", format_rows(list(self.rows.new_examples))]
        return "\n".join(parts)


@dataclasses.dataclass(frozen=True)
class Cut:
    """One cut: its date, the input rows truncation removed or rewrote, the relations compared
    (the first `compared` of the list), the relation that changed, and why it stopped early."""

    date: dt.date
    removed: int
    compared: int
    changed: str | None = None
    error: str | None = None


@dataclasses.dataclass
class LookaheadResult:
    """What the look-ahead check found; `finding` is None when nothing changed."""

    relations: list[str]
    cuts: list[Cut]
    finding: Change | None
    whole: list[Plan]
    notes: list[str]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.finding is None


def lookahead(con: duckdb.DuckDBPyConnection, cfg: Config, *, cuts: int = DEFAULT_CUTS) -> LookaheadResult:
    """Check `cfg`'s strategy for look-ahead (see the module docstring). `con` is the connection
    of a check that loaded the sources and built the targets without errors: its registrations
    are read (snapshotted) once, and its rebalance dates give the cut dates."""
    started = time.perf_counter()
    asof = AsOf(con, cfg)
    dates = [r[0] for r in con.sql("select date from ml4t.rebalance where variant = 0 order by date").fetchall()]
    if not dates:
        dates = [r[0] for r in con.sql("select date from ml4t.calendar order by date").fetchall()]
    with _run(asof.config(None)) as base:
        plan, notes = _baseline(base, cfg)
        result = LookaheadResult(plan.compared, [], None, asof.whole, notes, 0.0)
        bound = len(plan.names)  # only relations before an earlier finding's can still come first
        for day in spread(dates, cuts):
            removed = asof.changed(day)
            if bound == 0:
                result.cuts.append(Cut(day, removed, 0))
                continue
            cut, change = _cut(base, asof.config(day), plan, day, removed, bound)
            result.cuts.append(cut)
            if change is not None:
                result.finding, bound = change, plan.names.index(change.relation)
        if result.finding is not None and result.finding.deterministic:  # look-ahead, or noise?
            day = result.finding.cut
            _, again = _cut(base, asof.config(None), plan, day, 0, bound + 1)
            if again is not None:
                result.finding = again
    result.seconds = time.perf_counter() - started
    return result


def spread(dates: list[dt.date], n: int) -> list[dt.date]:
    """`n` of `dates` (sorted): the first, the last and evenly spread between (all when fewer;
    one: the middle one)."""
    if n >= len(dates):
        return list(dates)
    if n == 1:
        return [dates[len(dates) // 2]]
    picks = sorted({round(i * (len(dates) - 1) / (n - 1)) for i in range(n)})
    return [dates[i] for i in picks]


def format_lookahead(result: LookaheadResult) -> str:
    """The look-ahead section of `ml4t-sql check --lookahead`."""
    lines = [
        f"look-ahead: {len(result.cuts)} cut(s), {len(result.relations)} relation(s) compared in order: "
        + ", ".join(result.relations)
        + f" ({result.seconds:.1f} s)"
    ]
    rows = [
        {
            "cut": c.date,
            "input rows after": c.removed,
            "compared": f"{c.compared}/{len(result.relations)}",
            "result": _outcome(c, len(result.relations)),
        }
        for c in result.cuts
    ]
    lines.append(format_rows(rows))
    for plan in result.whole:
        extra = f" (date-like columns: {', '.join(plan.date_like)})" if plan.date_like else ""
        lines.append(
            f"not truncated: {plan.label} has no `date` or `start_date` column{extra}; "
            "look-ahead through it cannot be seen"
        )
    lines += [f"note: {n}" for n in result.notes]
    if result.finding is None:
        lines.append("look-ahead: none found (no relation changed on dates <= a cut)")
    return "\n".join(lines)


def _outcome(cut: Cut, relations: int) -> str:
    if cut.error:
        return cut.error
    if cut.changed:
        return f"changed: {cut.changed}"
    if cut.compared == 0:
        return "not compared (an earlier cut changed the first relation)"
    return "same" if cut.compared == relations else f"same in the first {cut.compared} (the rest: see the finding)"


@dataclasses.dataclass(frozen=True)
class _Plan:
    """The relations compared, the same in every run: the inputs computed by user SQL (name,
    relation), then the strategy's: its built-in steps (or only its targets), or the custom SQL's."""

    inputs: tuple[tuple[str, str], ...]
    steps: tuple[str, ...] | None
    custom: bool
    undated: frozenset[str] = frozenset()
    """Built-in steps without a `date` column: made (later steps read them), not compared."""

    @property
    def compared(self) -> list[str]:
        return [name for name in self.names if name not in self.undated]

    @property
    def names(self) -> list[str]:
        strategy = ["targets (strategy sql)"] if self.custom else list(self.steps or ("targets",))
        return [name for name, _ in self.inputs] + strategy


class _Relations:
    """One run's relations, each made on its connection when it is first compared."""

    def __init__(self, con: duckdb.DuckDBPyConnection, cfg: Config, plan: _Plan) -> None:
        self.con, self.cfg, self.plan = con, cfg, plan
        self.steps: Steps | None = None
        self.built = False
        self.made = 0

    def source(self, k: int) -> str:
        """Relation k as SQL, made (with the strategy steps before it) if it is not yet."""
        n = len(self.plan.inputs)
        if k < n:
            return self.plan.inputs[k][1]
        if not self.built:
            self.build()
        if self.plan.custom:
            return "ml4t.raw_targets"
        if self.plan.steps is None or self.steps is None:
            return "ml4t.final_targets"
        while self.made <= k - n:
            self.steps.materialize(self.con, self.made)
            self.made += 1
        return table(self.steps.names[k - n])

    def build(self) -> None:
        """The strategy's targets, as a run builds them (the built-in steps recorded)."""
        self.built = True
        report = QualityReport(strict=False)
        if self.plan.custom:
            build_targets(self.con, self.cfg, report=report)
            return
        self.steps = built_in_steps(self.con, self.cfg, report, targets=self.plan.steps is None)
        if self.plan.steps is not None and (self.steps is None or self.steps.names != self.plan.steps):
            raise Ml4tError("the built-in strategy ran other steps on the truncated inputs")


def _inputs(cfg: Config) -> tuple[tuple[str, str], ...]:
    """The inputs computed by user SQL, in the order the sources make them: (name, relation)."""
    d = cfg.data
    found = [("prices", "ml4t.prices")] if is_sql(d.prices) else []
    if d.signals is not None and is_sql(d.signals):
        found.append(("signals", "ml4t.signals"))
    return tuple(found + [(f"[data.tables] {n}", ident(n)) for n, s in d.tables.items() if is_sql(s)])


def _baseline(base: duckdb.DuckDBPyConnection, cfg: Config) -> tuple[_Plan, list[str]]:
    """The plan, and every relation of the full run kept on `base` as `_full(k)`."""
    notes: list[str] = []
    every = _inputs(cfg)
    inputs = tuple((n, r) for n, r in every if "date" in _columns(base, r))
    notes += [f"{n} has no `date` column: not compared (what reads it is)" for n, r in every if (n, r) not in inputs]
    plan = _Plan(inputs, None, cfg.strategy.sql is not None)
    relations = _Relations(base, cfg, plan)
    relations.build()
    if not plan.custom and relations.steps is None:
        notes.append("the built-in query was not split into its steps: only its targets are compared")
    elif relations.steps is not None:
        plan = dataclasses.replace(plan, steps=relations.steps.names)
        relations.plan = plan
        relations.source(len(plan.names) - 1)
        if not matches_targets(base, relations.steps):
            notes.append("the built-in steps, made one by one, differ from its targets: only the targets are compared")
            plan = dataclasses.replace(plan, steps=None)
            relations.plan = plan
    sources = [relations.source(k) for k in range(len(plan.names))]
    undated = [n for n, r in zip(plan.names, sources, strict=True) if "date" not in _columns(base, r)]
    notes += [f"the step `{n}` has no `date` column: not compared (the steps after it are)" for n in undated]
    plan = dataclasses.replace(plan, undated=frozenset(undated))
    for k, relation in enumerate(sources):
        if plan.names[k] not in plan.undated:
            base.execute(f"create or replace table {_full(k)} as select * from {relation}")
            base.from_arrow(digests(base, _full(k), None)).create(f"ml4t.lookahead_full_digests_{k}")
    return plan, notes


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return list(con.sql(f"select * from {relation} limit 0").columns)


def _cut(
    base: duckdb.DuckDBPyConnection, cfg: Config, plan: _Plan, day: dt.date, removed: int, bound: int
) -> tuple[Cut, Change | None]:
    """Run the strategy on `cfg` (the inputs as of `day`) and compare its first `bound` relations."""
    compared = 0
    try:
        with _run(cfg) as con:
            relations = _Relations(con, cfg, plan)
            for k in range(bound):
                relation = relations.source(k)
                if plan.names[k] in plan.undated:
                    continue
                found = _compare(base, k, con, relation, day)
                compared += 1
                if found is not None:
                    name = plan.names[k]
                    change = Change(name, day, found, deterministic=removed > 0)
                    return Cut(day, removed, compared, changed=name), change
    except Ml4tError as exc:
        return Cut(day, removed, compared, error=f"not compared: {str(exc).splitlines()[0]}"), None
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Cut(day, removed, compared, error=f"not compared: {first}"), None
    return Cut(day, removed, compared), None


def _compare(
    base: duckdb.DuckDBPyConnection, k: int, con: duckdb.DuckDBPyConnection, relation: str, day: dt.date
) -> Diff | None:
    """Relation k of the full run (on `base`) against `relation` of the cut run (on `con`), dated <= day."""
    dates = changed_dates(base, _digests(k), digests(con, relation, day), day)
    if not dates:
        return None
    sql = f"select * from {relation} where cast(date as date) in (select unnest($dates))"
    found = diff(base, _full(k), con.sql(sql, params={"dates": dates}).to_arrow_table(), dates, EXAMPLES)
    return found if found.gone or found.new else None


def _full(k: int) -> str:
    return qualified(f"lookahead_full_{k}")


def _digests(k: int) -> str:
    return qualified(f"lookahead_full_digests_{k}")


@contextlib.contextmanager
def _run(cfg: Config) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with `cfg`'s sources loaded (locked as in a run; nothing spills to disk)."""
    con = duckdb.connect()
    try:
        con.execute("set temp_directory = ''")
        load_sources(con, cfg, QualityReport(strict=False))
        yield con
    finally:
        con.close()
