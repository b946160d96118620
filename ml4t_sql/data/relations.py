"""Where a run's relations live on its DuckDB connection: the engine's in schema `ml4t`, the user's beside them.

Every relation the run makes (`ml4t.typed_prices`, `ml4t.calendar`, `ml4t.variants`, the inputs'
registrations `ml4t.input_prices`, ...) lives in the schema `ml4t`, and engine SQL (sql/ and the
Python that runs it) names them qualified: no user relation can stand in for one, whatever it is
called. The user's `[data.tables]` are temp views under their own names.

User SQL (a custom strategy, a `.sql` input) reads the relations the README documents without a
schema: `prices`, `signals`, `calendar`, `rebalance_dates`. Those are the SQL files whose header has a
`-- public:` line; `create` makes each of them a temp view of the same name over `ml4t.<name>`.
Their names, and names starting with `ml4t` (the schema, and the temp registrations of the engine's
own inputs, `ml4t_input_<name>`), are the only ones a `[data.tables]` name cannot take (`reserved`).
Both are derived, not listed: from the sql/ headers, and from this module's prefix.

Why views rather than a search path: a search path is one setting of the whole connection, which
user SQL could reorder or shadow; a view is a relation of its own, and a reserved name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

import duckdb

from ..errors import ConfigError
from ..templates import ident, sql_dir

SCHEMA = "ml4t"
PREFIX = "ml4t"
"""Names starting with this (any case) are the engine's: the schema and internal registrations."""

_PRODUCES = re.compile(r"^--\s*produces:\s*([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
_PUBLIC = re.compile(r"^--\s*public:", re.MULTILINE)
_ENGINE_ROOMS = ("sources", "strategy", "results")


@cache
def produced() -> Mapping[str, bool]:
    """Every relation an engine SQL file produces (its `-- produces:` header) -> whether it is public."""
    out: dict[str, bool] = {}
    for room in _ENGINE_ROOMS:
        for path in sorted((sql_dir() / room).glob("*.sql")):
            text = path.read_text()
            found = _PRODUCES.search(text)
            if found:
                out[found.group(1)] = bool(_PUBLIC.search(text))
    return out


def public() -> frozenset[str]:
    """The relations user SQL reads unqualified (their SQL file says `-- public:`)."""
    return frozenset(name for name, is_public in produced().items() if is_public)


def reserved(name: str) -> bool:
    """True if a user relation cannot be called `name` (DuckDB names are case-insensitive)."""
    low = name.lower()
    return low in public() or low.startswith(PREFIX)


def check_user_names(names: list[str] | tuple[str, ...] | Mapping[str, object]) -> None:
    """Refuse `[data.tables]` names that the engine's public relations or its prefix take."""
    for name in names:
        if reserved(name):
            taken = ", ".join(sorted(public()))
            raise ConfigError(
                f"[data.tables] `{name}`: the run makes a relation of that name that your SQL reads; choose "
                f"another name (taken: {taken}, and names starting with `{PREFIX}`)"
            )


def qualified(name: str) -> str:
    """`ml4t."<name>"`: an engine relation, as engine SQL names it."""
    return f"{SCHEMA}.{ident(name)}"


def internal(name: str) -> str:
    """The temp name under which an engine input is registered before its `ml4t.` view (`ml4t_input_prices`)."""
    return f"{PREFIX}_{name}"


def start(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schema (once per connection)."""
    con.execute(f"create schema if not exists {SCHEMA}")


def create(
    con: duckdb.DuckDBPyConnection,
    name: str,
    sql: str,
    params: Mapping[str, object] | None = None,
    *,
    view: bool = False,
) -> None:
    """Make `ml4t.<name>` from `sql`: a table (a snapshot, computed once) or a view; for a public
    relation, also the temp view `<name>` over it that user SQL reads. Needs `start(con)` first."""
    kind = "view" if view else "table"
    con.execute(f"create or replace {kind} {qualified(name)} as {sql}", dict(params) if params else None)
    if name in public():
        con.execute(f"create or replace temp view {ident(name)} as select * from {qualified(name)}")


_IN_WORDS = {"typed_prices": "prices", "raw_targets": "the strategy's targets", "final_targets": "targets",
             "price_spellings": "prices", "signal_spellings": "signals"}  # fmt: skip
_QUALIFIED = re.compile(r'\bml4t(?:\.|_input_)"?([A-Za-z_][A-Za-z0-9_]*)"?')
_INPUT = re.compile(r"\binput_(prices|signals|benchmark|universe|assets|rates|borrow_fees)\b")


def in_user_words(text: str) -> str:
    """`text` (a DuckDB message about the engine's SQL) with the engine's relation names put as the
    user knows them: `ml4t.typed_prices` -> `prices`, `ml4t.input_signals` -> `signals`, ..."""
    text = _QUALIFIED.sub(lambda m: _IN_WORDS.get(m.group(1), m.group(1)), text)
    text = _INPUT.sub(lambda m: m.group(1), text)
    for name, words in _IN_WORDS.items():
        text = re.sub(rf"\b{name}\b", words, text)
    return text

