"""A fold's state on disk: `save_state(path, state)` / `load_state(path)`, as Parquet or JSON.

The state (ml4t_sql.engine.FoldState) is arrays and integers only; both formats keep every
array's dtype and bytes, so a fold continued from a loaded state is bit for bit the fold that
was never interrupted (tests/test_streaming.py).

- Parquet (`.parquet`): one row, one column per field: int64 for integers, a list of float64,
  int64 or bool for arrays (plain encoding, no dictionary: the bytes are stored as they are).
- JSON (`.json`): {"format", "version", "fields": {name: int or {"dtype", "size", "base64"}}},
  each array as the base64 of its little-endian bytes (a decimal float would not round-trip
  NaN payloads, and is easy to get wrong for the rest).

The engine does no I/O; this is its reader and writer. Files are written to a temporary name
and renamed, so a reader never sees half a state.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..engine.state import FoldState
from ..errors import InputError, Ml4tError

FORMAT = "ml4t-sql fold state"
VERSION = 1
_DTYPES = {"float64": np.dtype("<f8"), "int64": np.dtype("<i8"), "bool": np.dtype("?")}


def save_state(path: str | Path, state: FoldState) -> Path:
    """Write `state` to `path` (`.parquet` or `.json`), atomically; returns the path."""
    path = Path(path)
    data = _encode_json(state) if _kind(path) == "json" else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            if data is not None:
                out.write(data)
            else:
                pq.write_table(_table(state), out, use_dictionary=False, write_statistics=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_state(path: str | Path) -> FoldState:
    """The state `save_state` wrote to `path`; InputError if the file is not one, or is damaged."""
    path = Path(path)
    kind = _kind(path)
    try:
        values = _decode_json(path.read_bytes()) if kind == "json" else _from_table(pq.read_table(path))
        return FoldState.from_dict(values)
    except (ValueError, KeyError, TypeError, pa.ArrowException, json.JSONDecodeError) as exc:
        raise InputError(str(path), f"not a readable fold state ({exc})", hint="write it with save_state") from None


def _kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("parquet", "json"):
        raise Ml4tError(f"{path}: a fold state is a .parquet or a .json file")
    return kind


def _table(state: FoldState) -> pa.Table:
    columns: dict[str, pa.Array] = {}
    for name, value in state.to_dict().items():
        if isinstance(value, np.ndarray):
            columns[name] = pa.array([pa.array(value)], pa.list_(pa.from_numpy_dtype(value.dtype)))
        else:
            columns[name] = pa.array([value], pa.int64())
    return pa.table(columns).replace_schema_metadata({"format": FORMAT, "version": str(VERSION)})


def _from_table(table: pa.Table) -> dict[str, Any]:
    meta = table.schema.metadata or {}
    if meta.get(b"format") != FORMAT.encode() or table.num_rows != 1:
        raise ValueError(f"no {FORMAT!r} metadata or not one row")
    if meta.get(b"version") != str(VERSION).encode():
        raise ValueError(f"version {meta.get(b'version')!r}, this reader knows {VERSION}")
    out: dict[str, Any] = {}
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        if pa.types.is_list(column.type):
            out[name] = column.flatten().to_numpy(zero_copy_only=False)
        else:
            out[name] = int(column[0].as_py())
    return out


def _encode_json(state: FoldState) -> bytes:
    fields: dict[str, Any] = {}
    for name, value in state.to_dict().items():
        if isinstance(value, np.ndarray):
            dtype = _DTYPES[value.dtype.name]
            raw = np.ascontiguousarray(value, dtype=dtype).tobytes()
            text = base64.b64encode(raw).decode()
            fields[name] = {"dtype": value.dtype.name, "size": int(value.size), "base64": text}
        else:
            fields[name] = int(value)
    return json.dumps({"format": FORMAT, "version": VERSION, "fields": fields}, indent=1).encode()


def _decode_json(data: bytes) -> dict[str, Any]:
    doc = json.loads(data)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"no format {FORMAT!r}")
    if doc.get("version") != VERSION:
        raise ValueError(f"version {doc.get('version')!r}, this reader knows {VERSION}")
    out: dict[str, Any] = {}
    for name, value in doc["fields"].items():
        if isinstance(value, dict):
            dtype = _DTYPES[value["dtype"]]
            array = np.frombuffer(base64.b64decode(value["base64"], validate=True), dtype=dtype)
            if array.size != value["size"]:
                raise ValueError(f"{name}: {array.size} values, the file says {value['size']}")
            out[name] = array.astype(dtype.newbyteorder("="))
        else:
            out[name] = value
    return out
