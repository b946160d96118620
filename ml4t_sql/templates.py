"""Jinja over the `sql/` folder: templates shape queries, values travel as bound parameters.

Templates render with `StrictUndefined` (a missing variable is an error, never an empty string).
The only way an identifier enters SQL text is the `ident` filter, which checks it against a strict
pattern and double-quotes it. User-supplied SQL renders in a sandboxed environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .errors import ConfigError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .\-]{0,127}$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def sql_dir() -> Path:
    """The folder of SQL files: shipped inside the package, or `sql/` of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "sql", here.parent / "sql"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("ml4t_sql: the sql/ folder is missing from the installation")


def ident(name: str) -> str:
    """`name` as a quoted SQL identifier, if it matches the strict identifier pattern."""
    if not isinstance(name, str) or not _IDENT.fullmatch(name):
        raise ConfigError(
            f"not a valid identifier: {name!r} (letters, digits, '_', ' ', '.', '-'; starting with a letter or '_')"
        )
    return '"' + name + '"'


def is_ident(name: str) -> bool:
    return isinstance(name, str) and bool(_IDENT.fullmatch(name))


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(sql_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["ident"] = ident
    return env


def render(name: str, **structure: object) -> str:
    """Render `sql/<name>.sql` with structural variables (never data values)."""
    return _env().get_template(f"{name}.sql").render(**structure)


def module(name: str, **structure: object) -> Any:
    """`sql/<name>.sql` as a Jinja module: `str(m)` is the rendered query, and its top-level macros are
    attributes (a check's `where()`: its rule as a predicate, which the checks runner composes)."""
    return _env().get_template(f"{name}.sql").make_module(dict(structure))


def render_user(sql: str, *, where: str = "strategy sql", **structure: object) -> str:
    """Render user-supplied SQL in a sandbox (no access to Python internals); it must be one query.

    One query: a single SELECT (or WITH ... SELECT, or FROM ...) statement, so that the SQL can
    only read: a `; drop ...` or `attach` after it is refused, not run.
    """
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["ident"] = ident
    try:
        rendered = env.from_string(sql).render(**structure)
    except jinja2.TemplateError as exc:
        raise ConfigError(f"{where}: template error: {exc}") from None
    _one_query(rendered, where)
    return rendered


def _one_query(sql: str, where: str) -> None:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return  # not parseable: running it gives DuckDB's own message, naming the input
    kinds = [s.type.name.lower() for s in statements]
    if not kinds:
        raise ConfigError(f"{where}: the SQL is empty; give a query returning the relation's columns")
    if kinds != ["select"]:
        raise ConfigError(
            f"{where}: must be exactly one query (select ...), found {len(kinds)} statement(s): {', '.join(kinds)}"
        )


def params_for(sql: str, values: Mapping[str, object]) -> dict[str, object]:
    """The subset of `values` that `sql` references as `$name` (DuckDB rejects unused ones)."""
    code = re.sub(r"--[^\n]*", "", sql)  # parameters named in comments are not parameters
    used = set(_PARAM.findall(code))
    return {k: v for k, v in values.items() if k in used}
