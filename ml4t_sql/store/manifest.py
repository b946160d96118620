"""A run's manifest, and checking a run's files against it.

`<warehouse>/runs/<run_id>/manifest.json` is written inside the staging folder after every table
is closed and flushed, before the publishing rename, so it is part of the atomic commit::

    {"format": 1, "run_id": "...",
     "tables": {"equity": {"file": "equity.parquet", "rows": 1007, "bytes": 62888, "sha256": "..."}, ...}}

What is checked, and when (a full checksum reads every byte, so it is kept for where the bytes
are read anyway or where it was asked for):

- **every read of many runs** (`connect`, `list_runs`, the catalog's views when refreshed):
  the manifest parses and names this run; every file it lists exists with the listed size; no
  other `.parquet` file is in the folder (the views' globs would read it). A stat per file.
- **reading one run** (`load_run`: `report`, `compare`): the above, the row count in each file's
  Parquet footer, and every file's sha256 (the report reads every byte anyway).
- **`ml4t-sql check --warehouse DIR`** (`validation.check_warehouse`): all of it, for every run.

A run that fails is left out of listings and views with a StoreWarning naming the run and the
file, and `load_run` refuses it with a StoreError. Nothing here writes to a run folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from ..errors import StoreWarning
from ..schema import LATER_TABLES, RESEARCH_RUN_TABLES, run_kind
from .layout import ALL_TABLES, RUN_TABLES, run_folders
from .preflight import reason

MANIFEST = "manifest.json"
FORMAT = 1


def write_manifest(folder: Path, run_id: str, rows: Mapping[str, int]) -> Path:
    """Write `folder/manifest.json` for the tables in `rows` (their files must be closed), and flush it."""
    tables = {}
    for name in sorted(rows):
        path = folder / f"{name}.parquet"
        tables[name] = {"file": path.name, "rows": rows[name], "bytes": path.stat().st_size, "sha256": sha256(path)}
    out = folder / MANIFEST
    text = json.dumps({"format": FORMAT, "run_id": run_id, "tables": tables}, indent=1, sort_keys=True)
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return out


@dataclass(frozen=True)
class RunCheck:
    """What checking one run folder found. `tables` are the run's tables (from its manifest)."""

    run_id: str
    folder: Path
    tables: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def sound(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        """One line: the run, what is wrong with which file."""
        return f"run {self.run_id} is damaged ({'; '.join(self.problems)})"


def inspect_run(folder: Path, *, rows: bool = False, checksums: bool = False) -> RunCheck:
    """Check one run folder against its manifest (see the module docstring for the levels).

    rows: also compare each file's Parquet footer row count; checksums: also each file's sha256.
    Reads the folder; changes nothing.
    """
    run_id = folder.name
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed = manifest["tables"]
        if manifest.get("run_id") != run_id or not isinstance(listed, dict):
            raise ValueError("it names another run")
        entries = {
            str(k): (str(v["file"]), int(v["rows"]), int(v["bytes"]), str(v["sha256"])) for k, v in listed.items()
        }
    except FileNotFoundError:
        return RunCheck(run_id, folder, (), (f"{MANIFEST} is missing",))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return RunCheck(run_id, folder, (), (f"{MANIFEST} is unreadable ({exc})",))
    try:  # one listing: every Parquet file's size
        with os.scandir(folder) as listing:
            sizes = {e.name: e.stat().st_size for e in listing if e.name.endswith(".parquet")}
    except OSError as exc:
        return RunCheck(run_id, folder, (), (f"folder unreadable ({reason(exc)})",))
    required = RESEARCH_RUN_TABLES if run_kind(set(entries)) == "research" else RUN_TABLES
    problems = [f"{MANIFEST} lacks table {name}" for name in required if name not in entries
                and name not in LATER_TABLES]  # fmt: skip
    problems += [f"{MANIFEST} names file {e[0]!r} for {n}" for n, e in entries.items() if e[0] != f"{n}.parquet"]
    problems += [f"{MANIFEST} lists unknown table {name}" for name in entries if name not in ALL_TABLES]
    for name in sorted(n for n in entries if n in ALL_TABLES):
        _, count, size, digest = entries[name]
        file = f"{name}.parquet"
        if sizes.get(file) != size or rows or checksums:  # a sound file at the stat level costs no Path
            problems += _file_problems(
                folder / file, sizes.get(file), count, size, digest, rows=rows, checksums=checksums
            )
    listed_files = {f"{name}.parquet" for name in entries}
    problems += [f"{name} is not in {MANIFEST}" for name in sorted(sizes) if name not in listed_files]
    return RunCheck(run_id, folder, tuple(sorted(entries)), tuple(problems))


def inspect_runs(warehouse: Path, **levels: bool) -> list[RunCheck]:
    """`inspect_run` for every published run of `warehouse`, by run id."""
    return [inspect_run(folder, **levels) for folder in run_folders(warehouse)]


def table_files(checks: Iterable[RunCheck], name: str) -> list[Path]:
    """The `name` files of the sound runs among `checks` that have that table."""
    return [c.folder / f"{name}.parquet" for c in checks if c.sound and name in c.tables]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _file_problems(
    path: Path, actual: int | None, count: int, size: int, digest: str, *, rows: bool, checksums: bool
) -> list[str]:
    """What is wrong with one listed file (`actual`: its size, None if absent): missing, another
    size, another row count, another checksum."""
    if actual is None:
        return [f"{path.name} is missing"]
    if actual != size:
        return [f"{path.name} is {actual:,} bytes, its manifest says {size:,}"]
    try:
        if rows and (found := pq.read_metadata(path).num_rows) != count:
            return [f"{path.name} has {found:,} rows, its manifest says {count:,}"]
        if checksums and sha256(path) != digest:
            return [f"{path.name} does not match its sha256 checksum (altered after it was written)"]
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        return [f"{path.name} cannot be read ({str(exc).splitlines()[0]})"]
    return []


def sound_runs(checks: Iterable[RunCheck], warehouse: Path) -> list[RunCheck]:
    """The sound runs among `checks`; a StoreWarning for each damaged one (it is left out)."""
    sound = []
    for check in checks:
        if check.sound:
            sound.append(check)
        else:
            warnings.warn(
                f"{check.describe()}: left out; `ml4t-sql check --warehouse {warehouse}` checks every run",
                StoreWarning,
                stacklevel=3,
            )
    return sound
