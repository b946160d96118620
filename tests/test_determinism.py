"""SPEC 7, determinism: two runs of the bundled example write bit-identical table data.

Only what names or times the run may differ: `run_id`, `created_at` and `elapsed_s`.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import ml4t_sql
from ml4t_sql.schema import RUN_TABLES

ROOT = Path(__file__).resolve().parents[1]
VARYING = ("run_id", "created_at", "elapsed_s")


def data_bytes(path: Path) -> bytes:
    """The file's table without the varying columns, as Arrow IPC bytes (equal bytes: equal bits)."""
    table = pq.read_table(path)
    table = table.drop_columns([c for c in VARYING if c in table.column_names])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def test_two_runs_of_the_example_write_identical_tables(tmp_path: Path):
    first, second = (ml4t_sql.run(ROOT / "examples" / "top25_momentum.toml", warehouse=tmp_path) for _ in range(2))
    assert first.run_id != second.run_id
    assert first.path is not None and second.path is not None
    names = sorted(p.name for p in first.path.glob("*.parquet"))  # and manifest.json (its checksums vary)
    assert names == sorted(p.name for p in second.path.glob("*.parquet")) == sorted(f"{t}.parquet" for t in RUN_TABLES)
    for name in names:
        assert data_bytes(first.path / name) == data_bytes(second.path / name), f"{name} differs between runs"
    assert first.trades.height > 1000  # a real run, not an empty one


def test_the_comparison_sees_a_one_bit_difference(tmp_path: Path):
    table = pa.table({"run_id": ["a"], "x": [0.1]})
    pq.write_table(table, tmp_path / "a.parquet")
    pq.write_table(table.set_column(0, "run_id", pa.array(["b"])), tmp_path / "b.parquet")
    nudged = table.set_column(1, "x", pa.array([0.1 + 2**-56]))
    pq.write_table(nudged, tmp_path / "c.parquet")
    assert data_bytes(tmp_path / "a.parquet") == data_bytes(tmp_path / "b.parquet")
    assert data_bytes(tmp_path / "a.parquet") != data_bytes(tmp_path / "c.parquet")
