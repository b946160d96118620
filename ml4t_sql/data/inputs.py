"""Register user inputs as DuckDB views: files, globs, hive folders, DuckDB tables, SQL, frames.

No value ever enters SQL text here: files are opened through DuckDB's reader functions, frames
are registered as Arrow, table names are checked identifiers, and paths in ATTACH are quoted
string literals (the one statement that cannot take a parameter).

A glob or a hive folder is read as the list of its files at registration (`input_files`): those
files are what the locked connection may read (ml4t_sql.data.sandbox). A `.sql` input is user
SQL: registered only after the lock, as one checked query (sandbox.user_query).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from ..config import Config
from ..errors import ConfigError, InputError
from ..templates import ident
from .files import check_file_types
from .relations import internal, qualified
from .sandbox import create_from_query, user_query

_GLOB_CHARS = set("*?[")


def register(
    con: duckdb.DuckDBPyConnection, name: str, source: Any, cfg: Config, *, label: str | None = None
) -> dict[str, str]:
    """Make `source` queryable as temp view `name`; return its columns and DuckDB types.

    `label` names the input in messages (default: `name`)."""
    view, label = ident(name), label or name
    if isinstance(source, (str, Path)):
        _register_path(con, name, str(source), cfg, label)
    elif isinstance(source, Mapping):
        _register_table(con, name, source, cfg, label)
    else:
        _register_frame(con, name, source, label)
    try:
        described = con.sql(f"describe {view}").fetchall()
    except duckdb.Error as exc:
        raise InputError(label, f"cannot be read: {_first_line(exc)}") from None
    return {str(row[0]): str(row[1]) for row in described}


def register_input(con: duckdb.DuckDBPyConnection, name: str, source: Any, cfg: Config) -> dict[str, str]:
    """An engine input (`[data] prices`, `signals`, `benchmark`) as the view `ml4t.input_<name>`.

    The source is registered under a temp name no user relation can take (`ml4t_input_<name>`,
    see ml4t_sql.data.relations), then viewed from the engine's schema (made by `relations.start`)."""
    temp = internal(f"input_{name}")
    columns = register(con, temp, source, cfg, label=name)
    con.execute(f"create or replace view {qualified('input_' + name)} as select * from {ident(temp)}")
    return columns


def describe_source(source: Any, cfg: Config) -> str:
    """A short human description of a source, for messages and lineage."""
    if isinstance(source, (str, Path)):
        return str(cfg.resolve(source)) if not str(source).endswith(".sql") else str(source)
    if isinstance(source, Mapping):
        return f"{source.get('database')}:{source.get('table')}"
    return f"<in-memory {type(source).__name__}>"


def is_sql(source: Any) -> bool:
    """Whether `source` is a `.sql` file: user SQL, registered after the lock."""
    return isinstance(source, (str, Path)) and str(source).lower().endswith(".sql") and not _is_glob(str(source))


def input_files(con: duckdb.DuckDBPyConnection, source: Any, cfg: Config) -> list[str]:
    """The files the view of a path source reads (a glob or hive folder: its files now, by DuckDB's
    own glob). None for frames, for database tables (attached before the lock, they are read
    through the attachment) and for `.sql` inputs (they read other inputs)."""
    if not isinstance(source, (str, Path)) or is_sql(source):
        return []
    path = cfg.resolve(str(source))
    if not path.is_dir() and not _is_glob(str(source)):
        return [str(path)]
    pattern = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
    return [str(row[0]) for row in con.execute("select file from glob($p) order by file", {"p": pattern}).fetchall()]


def _is_glob(text: str) -> bool:
    return any(c in text for c in _GLOB_CHARS)


def _register_path(con: duckdb.DuckDBPyConnection, name: str, text: str, cfg: Config, label: str) -> None:
    if is_sql(text):
        path = cfg.resolve(text)
        if not path.is_file():
            raise ConfigError(f"[data] {label}: SQL file not found: {path}")
        _create_view_from_sql(con, name, path.read_text(), where=str(path), label=label)
        return
    path = cfg.resolve(text)
    is_glob = _is_glob(text)
    if not is_glob and not path.exists():
        raise ConfigError(f"[data] {label}: path does not exist: {path}")
    try:
        files = input_files(con, text, cfg)
        if not files:
            raise InputError(
                label, f"no files match {path}" + (" (hive folder: *.parquet under it)" if path.is_dir() else "")
            )
        if len(files) > 1 and path.suffix.lower() not in (".csv", ".tsv"):
            check_file_types(con, label, files, root=path if path.is_dir() else path.parent)
        if path.is_dir():
            rel = con.read_parquet(files, hive_partitioning=True)
        elif path.suffix.lower() in (".csv", ".tsv") or str(path).lower().endswith((".csv.gz", ".csv.zst")):
            rel = con.read_csv(str(path))
        else:
            rel = con.read_parquet(files, hive_partitioning=is_glob)
        rel.create_view(name, replace=True)
    except duckdb.Error as exc:
        raise InputError(label, f"cannot read {path}: {_first_line(exc)}") from None


def _register_table(
    con: duckdb.DuckDBPyConnection, name: str, spec: Mapping[str, Any], cfg: Config, label: str
) -> None:
    unknown = set(spec) - {"database", "table"}
    if unknown or "table" not in spec:
        raise ConfigError(f"[data] {label}: a table source is {{database = 'file.duckdb', table = 'name'}}")
    table = ".".join(ident(part) for part in str(spec["table"]).split("."))
    source = table
    if spec.get("database"):
        db = cfg.resolve(str(spec["database"]))
        if not db.is_file():
            raise ConfigError(f"[data] {label}: database file not found: {db}")
        alias = ident(f"src_{name}")
        literal = "'" + str(db).replace("'", "''") + "'"
        try:
            con.execute(f"attach if not exists {literal} as {alias} (read_only)")
        except duckdb.Error as exc:
            raise InputError(label, f"cannot open {db}: {_first_line(exc)}") from None
        source = f"{alias}.{table}"
    try:
        con.execute(f"create or replace temp view {ident(name)} as select * from {source}")
    except duckdb.Error as exc:
        raise InputError(label, f"table {spec['table']!r} not found: {_first_line(exc)}") from None


def _register_frame(con: duckdb.DuckDBPyConnection, name: str, frame: Any, label: str) -> None:
    module = type(frame).__module__.split(".")[0]
    if module == "polars":
        if hasattr(frame, "collect"):  # LazyFrame
            frame = frame.collect()
        frame = frame.to_arrow()
    elif module == "duckdb":
        frame = frame.to_arrow_table()
    elif module not in ("pyarrow", "pandas"):
        raise ConfigError(
            f"[data] {label}: unsupported input {type(frame).__name__}; give a path, "
            "{database, table}, or an Arrow table / Polars / pandas frame"
        )
    try:
        con.register(name, frame)
    except duckdb.Error as exc:
        raise InputError(label, f"cannot register the in-memory frame: {_first_line(exc)}") from None


def _create_view_from_sql(con: duckdb.DuckDBPyConnection, name: str, sql: str, *, where: str, label: str) -> None:
    place = f"[data] {label} ({where})"
    query = user_query(sql, place)
    create_from_query(con, "view", ident(name), query, relation=label, where=place)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
