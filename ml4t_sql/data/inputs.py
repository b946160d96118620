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
from .sandbox import create_from_query, user_query

_GLOB_CHARS = set("*?[")


def register(con: duckdb.DuckDBPyConnection, name: str, source: Any, cfg: Config) -> dict[str, str]:
    """Make `source` queryable as view `name`; return its columns and DuckDB types."""
    view = ident(name)
    if isinstance(source, (str, Path)):
        _register_path(con, name, str(source), cfg)
    elif isinstance(source, Mapping):
        _register_table(con, name, source, cfg)
    else:
        _register_frame(con, name, source)
    try:
        described = con.sql(f"describe {view}").fetchall()
    except duckdb.Error as exc:
        raise InputError(name, f"cannot be read: {_first_line(exc)}") from None
    return {str(row[0]): str(row[1]) for row in described}


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


def _register_path(con: duckdb.DuckDBPyConnection, name: str, text: str, cfg: Config) -> None:
    if is_sql(text):
        path = cfg.resolve(text)
        if not path.is_file():
            raise ConfigError(f"[data] {name}: SQL file not found: {path}")
        _create_view_from_sql(con, name, path.read_text(), where=str(path))
        return
    path = cfg.resolve(text)
    is_glob = _is_glob(text)
    if not is_glob and not path.exists():
        raise ConfigError(f"[data] {name}: path does not exist: {path}")
    try:
        files = input_files(con, text, cfg)
        if not files:
            raise InputError(
                name, f"no files match {path}" + (" (hive folder: *.parquet under it)" if path.is_dir() else "")
            )
        if path.is_dir():
            rel = con.read_parquet(files, hive_partitioning=True)
        elif path.suffix.lower() in (".csv", ".tsv") or str(path).lower().endswith((".csv.gz", ".csv.zst")):
            rel = con.read_csv(str(path))
        else:
            rel = con.read_parquet(files, hive_partitioning=is_glob)
        rel.create_view(name, replace=True)
    except duckdb.Error as exc:
        raise InputError(name, f"cannot read {path}: {_first_line(exc)}") from None


def _register_table(con: duckdb.DuckDBPyConnection, name: str, spec: Mapping[str, Any], cfg: Config) -> None:
    unknown = set(spec) - {"database", "table"}
    if unknown or "table" not in spec:
        raise ConfigError(f"[data] {name}: a table source is {{database = 'file.duckdb', table = 'name'}}")
    table = ".".join(ident(part) for part in str(spec["table"]).split("."))
    source = table
    if spec.get("database"):
        db = cfg.resolve(str(spec["database"]))
        if not db.is_file():
            raise ConfigError(f"[data] {name}: database file not found: {db}")
        alias = ident(f"src_{name}")
        literal = "'" + str(db).replace("'", "''") + "'"
        try:
            con.execute(f"attach if not exists {literal} as {alias} (read_only)")
        except duckdb.Error as exc:
            raise InputError(name, f"cannot open {db}: {_first_line(exc)}") from None
        source = f"{alias}.{table}"
    try:
        con.execute(f"create or replace temp view {ident(name)} as select * from {source}")
    except duckdb.Error as exc:
        raise InputError(name, f"table {spec['table']!r} not found: {_first_line(exc)}") from None


def _register_frame(con: duckdb.DuckDBPyConnection, name: str, frame: Any) -> None:
    module = type(frame).__module__.split(".")[0]
    if module == "polars":
        if hasattr(frame, "collect"):  # LazyFrame
            frame = frame.collect()
        frame = frame.to_arrow()
    elif module == "duckdb":
        frame = frame.to_arrow_table()
    elif module not in ("pyarrow", "pandas"):
        raise ConfigError(
            f"[data] {name}: unsupported input {type(frame).__name__}; give a path, "
            "{database, table}, or an Arrow table / Polars / pandas frame"
        )
    try:
        con.register(name, frame)
    except duckdb.Error as exc:
        raise InputError(name, f"cannot register the in-memory frame: {_first_line(exc)}") from None


def _create_view_from_sql(con: duckdb.DuckDBPyConnection, name: str, sql: str, *, where: str) -> None:
    label = f"[data] {name} ({where})"
    query = user_query(sql, label)
    create_from_query(con, "view", ident(name), query, relation=name, where=label)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
