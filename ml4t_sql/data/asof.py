"""The inputs as of a date d: every input relation with a date column keeps its rows dated <= d.

For the look-ahead check (ml4t_sql.strategy.lookahead). `AsOf(con, cfg)` reads each input that is
not SQL (files, globs, hive folders, database tables, frames) once, from its registration on `con`
(a connection `load_sources` has locked), into a table of `con`: a snapshot, so a file cannot
change between two cuts. `AsOf.config(d)` is the run's configuration with each of those inputs
replaced by an Arrow table of its snapshot's rows as of d (`None`: all rows). A run on that
configuration registers, checks and locks exactly as any run does: its `.sql` inputs and its
strategy read the truncated relations, on a connection that sees only them.

Which rows are "dated <= d", per input (`Plan.rule`):

- `date`: the input has the `[data.columns] date` column or a `date` column (prices, signals,
  benchmark, `[data.tables]`, any later `[data]` input): rows whose date, as a DATE, is <= d
  (a time-zone-aware benchmark timestamp is read as its UTC date, as the benchmark loader does);
- `span`: no date column, but a `start_date` (membership intervals `(asset, start_date,
  end_date)`): rows with start_date <= d, and an `end_date` after d reads as NULL: as of d the
  interval is still open, and when it will close is not known yet;
- `whole`: neither (a static `(asset, sector)` table, a table keyed by `report_date`): kept as it
  is, and the check lists it, because look-ahead through it cannot be seen by truncation.

Other date-like columns of a truncated relation are kept as they are: a row dated t is known after
the close of t, whatever else it says. `.sql` inputs are not truncated themselves: they read the
truncated relations.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

import duckdb
import pyarrow as pa

from ..config import Config, Data
from ..templates import ident
from .inputs import is_sql
from .relations import qualified

Rule = Literal["date", "span", "whole"]
_NOT_INPUTS = ("tables", "columns", "quality", "bar_time")
"""Fields of `Data` that are not input relations; every other field is one (prices, signals, ...)."""


@dataclasses.dataclass(frozen=True)
class Plan:
    """How one input is truncated. field: the `Data` field (`prices`) or `tables`; name: the table's
    name (for `tables`); label: as messages name it; snapshot: the table holding its rows (None for
    `whole`); column: the date (or start_date) column; date_like: its other DATE/TIMESTAMP columns."""

    field: str
    name: str
    label: str
    rule: Rule
    snapshot: str | None
    column: str | None
    utc: bool
    date_like: tuple[str, ...]


class AsOf:
    """The non-SQL inputs of `cfg`, snapshotted on `con`, and `cfg` with them as of a date."""

    def __init__(self, con: duckdb.DuckDBPyConnection, cfg: Config) -> None:
        self.con, self.cfg = con, cfg
        self.plans: list[Plan] = []
        sources = [(f.name, f.name, getattr(cfg.data, f.name)) for f in dataclasses.fields(Data)]
        sources = [(field, name, s) for field, name, s in sources if field not in _NOT_INPUTS]
        sources += [("tables", name, s) for name, s in cfg.data.tables.items()]
        for number, (field, name, source) in enumerate(sources):
            if source is None or is_sql(source):
                continue
            view = qualified(f"input_{name}") if field != "tables" else ident(name)
            label = f"[data.tables] {name}" if field == "tables" else name
            self.plans.append(self._plan(field, name, label, view, f"asof_{number}"))

    def _plan(self, field: str, name: str, label: str, view: str, snapshot: str) -> Plan:
        rel = self.con.sql(f"select * from {view} limit 0")
        types = {str(c): str(t) for c, t in zip(rel.columns, rel.types, strict=True)}
        dates = tuple(c for c, t in types.items() if t == "DATE" or t.startswith("TIMESTAMP"))
        column = next((c for c in (self.cfg.data.columns.date, "date") if c in types), None)
        rule: Rule = "date" if column else "span" if "start_date" in types else "whole"
        column = column or ("start_date" if rule == "span" else None)
        if rule == "whole":
            return Plan(field, name, label, rule, None, None, False, dates)
        self.con.execute(f"create or replace table {qualified(snapshot)} as select * from {view}")
        utc = field == "benchmark" and str(types[str(column)]).startswith("TIMESTAMP WITH TIME ZONE")
        others = tuple(c for c in dates if c != column)
        return Plan(field, name, label, rule, qualified(snapshot), column, utc, others)

    @property
    def whole(self) -> list[Plan]:
        """The inputs kept whole: without a date or start_date column."""
        return [p for p in self.plans if p.rule == "whole"]

    def rows(self, plan: Plan, through: dt.date | None) -> pa.Table:
        """The snapshot's rows of `plan` as of `through` (all rows when None)."""
        assert plan.snapshot is not None
        if through is None:
            return self.con.sql(f"select * from {plan.snapshot}").to_arrow_table()
        open_end = ""
        if plan.rule == "span" and "end_date" in self._columns(plan):
            open_end = ' replace (case when cast("end_date" as date) > $d then null else "end_date" end as "end_date")'
        sql = f"select *{open_end} from {plan.snapshot} where {_day(plan)} <= $d"
        return self.con.sql(sql, params={"d": through}).to_arrow_table()

    def changed(self, through: dt.date) -> int:
        """How many input rows truncation after `through` removes or rewrites (0: the cut changes nothing)."""
        total = 0
        for plan in self.plans:
            if plan.snapshot is None:
                continue
            later = f"{_day(plan)} > $d"
            if plan.rule == "span" and "end_date" in self._columns(plan):
                later += ' or cast("end_date" as date) > $d'
            sql = f"select count(*) from {plan.snapshot} where {later}"
            total += int(self.con.sql(sql, params={"d": through}).fetchall()[0][0])
        return total

    def _columns(self, plan: Plan) -> list[str]:
        return list(self.con.sql(f"select * from {plan.snapshot} limit 0").columns)

    def config(self, through: dt.date | None) -> Config:
        """`cfg` with every truncated input replaced by its rows as of `through` (Arrow tables)."""
        data: dict[str, Any] = {}
        tables = dict(self.cfg.data.tables)
        for plan in self.plans:
            if plan.rule == "whole":
                continue
            rows = self.rows(plan, through)
            if plan.field == "tables":
                tables[plan.name] = rows
            else:
                data[plan.field] = rows
        return dataclasses.replace(self.cfg, data=dataclasses.replace(self.cfg.data, tables=tables, **data))


def _day(plan: Plan) -> str:
    """The SQL of a row's date under `plan` (its date or start_date column, as a DATE)."""
    column = ident(str(plan.column))
    return f"cast(timezone('UTC', {column}) as date)" if plan.utc else f"cast({column} as date)"
