"""Containing the user's SQL: one read-only query, run on a connection locked to the run's inputs.

User SQL is code from outside: a custom strategy (`[strategy] sql`, a file or the text itself), a
`.sql` input (`[data] prices / signals / benchmark`) and a `[data.tables]` entry ending in `.sql`.
Two walls hold it, and each is DuckDB's own:

1. `user_query`: the text, after Jinja (ml4t_sql.templates.render_user, which only shapes it),
   must parse, with `duckdb.extract_statements`, as exactly one statement of type SELECT (`select`,
   `with ... select`, `from ...`, `values`, `table`, `describe`, `summarize`, `pivot`/`unpivot`
   queries). That is decided on the text as the user wrote it, before the engine puts
   `create ... as` in front; `create_from_query` then puts it there and checks that the result
   parses as exactly one CREATE, so no clause of the wrapper can close a statement early.
2. `lock`: once the file, frame and table inputs are registered and before any user SQL runs, the
   connection is closed around them. What each setting does in DuckDB 2.0.1 (tried in
   tests/test_containment.py; docs/SECURITY.md has the table):

   - `allowed_paths = [the input files]`: the only files left readable (exact paths; a glob or a
     hive folder is expanded to its files when registered, so its views read a fixed list);
   - `allowed_directories = []`: no directory is open (DuckDB compares whole path components:
     `/a/in` would not open `/a/inside`, and `..` is resolved first);
   - `enable_external_access = false`: every other file is refused, for reading (`read_csv`,
     `read_parquet`, `read_text`, `read_blob`, `glob`, `sniff_csv`, `parquet_metadata`, ...)
     and writing (`COPY ... TO`, `EXPORT DATABASE`), ATTACH of a file, INSTALL, LOAD of a
     non-built-in extension, http(s) URLs, persistent secrets and Python replacement scans (a
     query naming a Python variable). It cannot be turned back on while the database runs. Not
     refused: the temp_directory (spilling keeps working; DuckDB itself can read and write it),
     `attach ':memory:'`, databases attached before the lock (read-only here: the whole database
     a `{database, table}` input names stays readable, and nothing in it writable);
   - `autoinstall_known_extensions`, `autoload_known_extensions`, `allow_community_extensions =
     false`, `allow_extension_repositories = 'forbidden'`: no extension arrives or loads by
     itself (json, parquet and icu are built in);
   - `allow_persistent_secrets = false`, `python_enable_replacements = false`: belt and braces
     for what external access already refuses;
   - `lock_configuration = true` (last): every SET, RESET and configuring PRAGMA is refused from
     then on, so nothing above can be undone. `SET VARIABLE` is not a setting and still works.

Errors of user SQL are one line (`scrub`): a refused path becomes "reads X, which is not an input",
and text in single quotes that is not in the query itself is hidden, so that a message can never
show the contents of a file (DuckDB's CSV and conversion errors quote the lines and values read).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

import duckdb

from ..errors import ConfigError, InputError
from ..templates import render_user

_LOCK = (
    "set enable_external_access = false",
    "set autoinstall_known_extensions = false",
    "set autoload_known_extensions = false",
    "set allow_community_extensions = false",
    "set allow_extension_repositories = 'forbidden'",
    "set allow_persistent_secrets = false",
    "set python_enable_replacements = false",
    "set lock_configuration = true",
)
_REFUSED_PATH = re.compile(r'Cannot access (?:file|directory) "([^"]*)" - file system operations are disabled')
_QUOTED = re.compile(r"'(?:[^']|'')*'")


def lock(con: duckdb.DuckDBPyConnection, files: Iterable[str]) -> None:
    """Close `con` around the registered inputs: from now on it can read only `files` (and what it
    already holds: views, tables, frames, attached databases, its spill folder) and write nothing
    but its spill files; its settings are frozen. Call after the last file/table input is
    registered and before the first user SQL."""
    con.execute("set allowed_paths = $paths", {"paths": sorted(set(files))})
    con.execute("set allowed_directories = $dirs", {"dirs": []})
    for setting in _LOCK:
        con.execute(setting)


def user_query(sql: str, where: str, **structure: object) -> str:
    """`sql` rendered in the Jinja sandbox, if DuckDB parses it as exactly one read-only query.

    Raises ConfigError naming `where` and the statement kinds found otherwise, or with DuckDB's
    first error line when the text does not parse (it is then never run)."""
    text = render_user(sql, where=where, **structure)
    try:
        kinds = [_kind(s) for s in duckdb.extract_statements(text)]
    except duckdb.Error as exc:
        raise ConfigError(f"{where}: DuckDB cannot parse the SQL: {scrub(exc, text)}") from None
    except ValueError:  # a statement type the Python API has no name for (e.g. UPDATE EXTENSIONS)
        raise ConfigError(f"{where}: must be exactly one query (select ...), found a statement that is not") from None
    if not kinds:
        raise ConfigError(f"{where}: the SQL is empty; give a query returning the relation's columns")
    if kinds != ["select"]:
        n = len(kinds)
        raise ConfigError(
            f"{where}: must be exactly one query (select ...), found {n} statement{'s' if n > 1 else ''}: "
            + ", ".join(kinds)
        )
    return _core(text)


def create_from_query(
    con: duckdb.DuckDBPyConnection,
    kind: Literal["view", "table"],
    target: str,
    query: str,
    *,
    relation: str,
    where: str,
    params: Mapping[str, object] | None = None,
    temporary: bool = True,
) -> None:
    """`create or replace temp {kind} {target} as {query}` on `con` (without `temp` when not
    `temporary`: a relation of the engine's schema, `ml4t.raw_targets`), `query` being what
    `user_query` returned and `target` an SQL name (quoted by the caller when it comes from the config). Binds
    the parameters the query names (`$top_n`) from `params`. A view is counted once, so that a
    file it may not read is refused here (sniff_csv checks only when it runs). A DuckDB error
    becomes an InputError of `relation`, scrubbed (see `scrub`)."""
    create = f"create or replace {'temp ' if temporary else ''}{kind} {target} as"
    sql = f"{create}\n{query}"
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ConfigError(f"{where}: the query does not fit `{create} ...`: {scrub(exc, query)}") from None
    if [s.type for s in statements] != [duckdb.StatementType.CREATE]:  # the wrapper cannot split it
        raise ConfigError(f"{where}: the query does not fit `{create} ...`; give one plain query")
    names = statements[0].named_parameters
    values = {k: v for k, v in (params or {}).items() if k in names}
    try:
        con.execute(sql, values)
        if kind == "view":
            con.execute(f"select count(*) from {target}").fetchall()
    except duckdb.Error as exc:
        raise InputError(relation, f"the query fails: {scrub(exc, query)}", hint=f"(the SQL of {where})") from None


def refusal(exc: duckdb.PermissionException) -> ConfigError:
    """A refused file access met later, while the engine reads a user view: the same refusal."""
    return ConfigError(f"user SQL: {scrub(exc)}")


@contextlib.contextmanager
def late_refusals() -> Iterator[None]:
    """Turn a file access refused while the engine reads a user view into `refusal`'s clear error."""
    try:
        yield
    except duckdb.PermissionException as exc:
        raise refusal(exc) from None


def scrub(exc: Exception, query: str = "") -> str:
    """DuckDB's message of `exc` as one line that cannot show what the query read: a refused file
    is named as such; single-quoted text not in `query` (values read from data) is hidden."""
    text = str(exc).strip()
    refused = _REFUSED_PATH.search(text)
    if refused:
        return (
            f"reads {refused.group(1)}, which is not an input of this run (user SQL may read only the "
            "relations and files the config registers)"
        )
    if "disabled through configuration" in text or "configuration has been locked" in text:
        return text.splitlines()[0] + " (user SQL cannot change settings or load extensions)"
    line = text.splitlines()[0] if text else type(exc).__name__
    return _QUOTED.sub(lambda m: m.group(0) if m.group(0) in query else "'...'", line)


def _kind(statement: duckdb.Statement) -> str:
    """The statement's type, with its first word when that says more (`load (install)`)."""
    kind = statement.type.name.lower()
    words = re.findall(r"[A-Za-z_]+", _core(statement.query))
    first = words[0].lower() if words else kind
    return kind if first in (kind, "with", "from", "values", "table", "describe", "summarize") else f"{kind} ({first})"


def _core(text: str) -> str:
    """`text` without leading or trailing semicolons and comments, found by DuckDB's tokenizer, so
    that a trailing `-- comment` or `;` cannot swallow or end what the engine writes after it."""
    try:
        tokens = duckdb.tokenize(text)
    except duckdb.Error:  # pragma: no cover - extract_statements parsed it
        return text.strip()
    ends = [pos for pos, _ in tokens[1:]] + [len(text)]

    def blank(i: int) -> bool:
        pos, kind = tokens[i]
        return kind == duckdb.token_type.comment or text[pos : ends[i]].strip() == ";"

    keep = [i for i in range(len(tokens)) if not blank(i)]
    if not keep:
        return ""
    first, last = keep[0], keep[-1]
    end = tokens[last + 1][0] if last + 1 < len(tokens) else len(text)
    return text[tokens[first][0] : end].strip()
