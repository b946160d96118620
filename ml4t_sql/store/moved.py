"""A moved or copied warehouse: notice catalog views that point outside it and rebuild them.

The views of `ml4t.duckdb` hold absolute paths (DuckDB resolves a relative path against the
reader's working folder, not the database file's), so a warehouse copied to a shared drive or
another machine has views pointing at the old place. `connect` and every command call
`repoint_catalog` first; it opens the catalog read-only, and only when a view reads a path
outside the warehouse does it rebuild the views (store.catalog.ensure_catalog), with one
StoreWarning saying so; the rebuilt views point inside, so it is said once. A plain DuckDB
client gets "No files found" naming the old path, and the `ml4t_status` view names the fix.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import duckdb

from ..errors import StoreWarning
from .catalog import ensure_catalog
from .layout import ALL_TABLES, DB_NAME, RUNS


def repoint_catalog(warehouse: Path) -> None:
    """Rebuild the catalog's views if they point outside `warehouse` (a moved or copied warehouse),
    with one StoreWarning saying so. Nothing is written when they point inside, or when the catalog
    cannot be opened (missing, damaged, held open for writing: `ensure_catalog` handles those)."""
    warehouse = warehouse.resolve()
    db = warehouse / DB_NAME
    if not db.is_file():
        return
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return
    try:
        views = con.sql("select view_name, sql from duckdb_views() where not internal").fetchall()
    except duckdb.Error:
        return
    finally:
        con.close()
    old = sorted({p for name, sql in views if name in ALL_TABLES for p in _run_paths(sql) if not _inside(p, warehouse)})
    if not old:
        return
    done = ensure_catalog(warehouse)
    where = old[0].split(f"/{RUNS}/")[0]
    what = f"rebuilt to read {warehouse / RUNS}" if done.current else "could not be rebuilt"
    note = f"the views in {db} pointed at {where} (the warehouse was moved or copied): {what}"
    for extra in (note, *done.notes):
        warnings.warn(extra, StoreWarning, stacklevel=3)


def _run_paths(sql: str) -> list[str]:
    """The string literals of a view's SQL that are paths into a `runs/` folder."""
    literals = (m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", sql))
    return [text for text in literals if f"/{RUNS}/" in text]


def _inside(path: str, warehouse: Path) -> bool:
    return Path(path).is_relative_to(warehouse)
