"""Checks on the files of a multi-file input (a glob, a hive-partitioned folder), before it is read.

DuckDB reads many Parquet files as one relation with the first file's column types and casts the
others to them, silently: a partition whose `close` is a string ('2.5') or a DOUBLE read into a
BIGINT column changes values without a word. So files that disagree on a column's type are refused
here, naming the files of each type.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..errors import InputError

SHOWN = 3
"""Files named per type in the message."""


def check_file_types(con: duckdb.DuckDBPyConnection, relation: str, files: list[str], *, root: Path) -> None:
    """Refuse the Parquet `files` (of a glob or hive folder) if they disagree on the DuckDB type of a column.

    Reads only the files' footers (`parquet_schema`). Raises InputError naming the column, each
    type and the first files (relative to `root`) that have it."""
    try:
        rows = con.sql(
            """
            with types as (
                select name, duckdb_type as type, file_name
                from parquet_schema($pattern)
                where duckdb_type is not null
            ),
            split as (
                select name from types group by name having count(distinct type) > 1
            )
            select name, type, count(*) as files, list(file_name order by file_name)[1:$shown] as first_files
            from types semi join split using (name)
            group by name, type
            order by name, files desc, type
            """,
            params={"pattern": files, "shown": SHOWN},
        ).fetchall()
    except duckdb.Error:
        return  # no files, or not Parquet: reading them gives DuckDB's own message, naming the input
    if not rows:
        return
    column = rows[0][0]
    found = [r for r in rows if r[0] == column]
    parts = []
    for _, dtype, n, first in found:
        names = ", ".join(_relative(f, root) for f in first)
        more = f" and {n - len(first)} more" if n > len(first) else ""
        parts.append(f"{dtype} in {n} file{'s' if n != 1 else ''} ({names}{more})")
    others = sorted({r[0] for r in rows} - {column})
    also = f"; the files disagree on {', '.join(repr(c) for c in others)} too" if others else ""
    raise InputError(
        relation,
        f"the files disagree on the type of column {column!r}: {'; '.join(parts)}{also}",
        hint="DuckDB would cast every file to the first one's type, silently; write the column with one type "
        "in every file (e.g. DOUBLE for prices)",
    )


def _relative(name: str, root: Path) -> str:
    try:
        return str(Path(name).relative_to(root))
    except ValueError:
        return name
