"""Faults of the disk and the catalog (issue 10, items 5-7): found before the work, said in one line,
nothing left behind; a damaged catalog rebuilt, a damaged run reported; spill folders in the warehouse.

Filesystem faults are real: a small tmpfs mounted by the test (full, read-only, another device).
Those tests need root (CAP_SYS_ADMIN) and are skipped with a reason where mounting is not allowed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

import ml4t_sql
import ml4t_sql.pipeline as pipeline
from ml4t_sql.cli import main
from ml4t_sql.errors import StoreError, StoreWarning
from ml4t_sql.store.catalog import ensure_catalog
from ml4t_sql.store.layout import DB_NAME, HOST
from ml4t_sql.store.manifest import MANIFEST, inspect_run
from ml4t_sql.store.preflight import MIB, estimate_run_bytes, free_bytes
from ml4t_sql.store.runs import list_runs, load_run
from ml4t_sql.store.warehouse import Stage, connect
from ml4t_sql.validation import check, check_warehouse

from .depth import sample
from .factories import make_prices
from .test_inputs import PANEL

SMALL = {"data": {"prices": PANEL}, "strategy": {"signal": "score", "top_n": 2}}
mounts = pytest.mark.process  # mounting spawns `mount`: with the subprocess-heavy tests


# --- helpers ---------------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(path: Path, size: str, *options: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `path` for the block (skips the test where mounting is not allowed)."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *options]), "tmpfs", str(path)],
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        pytest.skip("no `mount` command: the filesystem-fault tests mount a small tmpfs")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({done.stderr.strip()}): the filesystem-fault tests need root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def remount(path: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True, capture_output=True)


def fill(folder: Path) -> Path:
    """Write zeros into `folder/filler` until the filesystem is full."""
    path = folder / "filler"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    finally:
        os.close(fd)
    return path


def write_config(folder: Path, prices: pl.DataFrame, warehouse: Path, **execution: Any) -> Path:
    prices.write_parquet(folder / "prices.parquet")
    top_n = prices["asset"].n_unique()
    lines = ['[data]\nprices = "prices.parquet"', f'[strategy]\nsignal = "score"\ntop_n = {top_n}']
    if execution:
        lines.append("[execution]\n" + "\n".join(f"{k} = {v!r}" for k, v in execution.items()))
    lines.append(f"[output]\nwarehouse = {str(warehouse)!r}")
    path = folder / "run.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def big_prices() -> pl.DataFrame:
    """200 assets x 250 dates, every asset held: ~4 MB of tables for an estimate of ~1.5 MB."""
    prices = make_prices(200, 250, seed=3, ragged=False)
    return prices.with_columns(score=pl.col("close"))


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in this process (so monkeypatches apply): (status, stdout, stderr)."""
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def one_line_error(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def fingerprints(warehouse: Path) -> dict[str, str]:
    return {
        str(p.relative_to(warehouse)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((warehouse / "runs").glob("*/*"))
    }


def staged(warehouse: Path) -> list[str]:
    return sorted(p.name for p in (warehouse / ".staging").iterdir()) if (warehouse / ".staging").is_dir() else []


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the run's work started (load_sources) and how often the fold ran."""
    counts = {"load_sources": 0, "run_fold": 0}
    for name in counts:
        real = getattr(pipeline, name)

        def counted(*args: Any, _real: Callable[..., Any] = real, _name: str = name, **kw: Any) -> Any:
            counts[_name] += 1
            return _real(*args, **kw)

        monkeypatch.setattr(pipeline, name, counted)
    return counts


def after_fold(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Do `action` once the run's fold is done (the fault arrives after the backtest)."""
    real = pipeline.run_fold

    def fold_then(*args: Any, **kw: Any) -> Any:
        out = real(*args, **kw)
        action()
        return out

    monkeypatch.setattr(pipeline, "run_fold", fold_then)


def after_commit(monkeypatch: pytest.MonkeyPatch, action: Callable[[Path], None]) -> None:
    """Do `action(warehouse)` right after the publishing rename (the run has landed)."""
    real = Stage.commit

    def commit_then(self: Stage) -> Path:
        out = real(self)
        action(self.warehouse)
        return out

    monkeypatch.setattr(Stage, "commit", commit_then)


# --- 10.5: refused before the work -----------------------------------------------------------


REFUSALS = {
    "a file": (lambda wh: wh.write_text("not a folder"), "exists and is not a folder"),
    "under a file": (lambda wh: wh.parent.write_text("x"), "is a file"),
    "runs is a file": (lambda wh: (wh.mkdir(), (wh / "runs").write_text("x")), "runs exists and is not a folder"),
    "staging is a file": (lambda wh: (wh.mkdir(), (wh / ".staging").write_text("x")), "is not a folder"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_warehouse_that_cannot_be_a_folder_is_refused_before_any_work(
    tmp_path: Path, calls: dict[str, int], capsys: pytest.CaptureFixture[str], case: str
):
    make, needle = REFUSALS[case]
    warehouse = tmp_path / ("blocker/wh" if case == "under a file" else "wh")
    make(warehouse)
    with pytest.raises(StoreError, match=needle):
        ml4t_sql.run(SMALL, warehouse=warehouse)
    config = write_config(tmp_path, PANEL, warehouse)
    grid = tmp_path / "sweep.toml"
    grid.write_text(config.read_text() + "[sweep]\ntop_n = [1, 2]\n")
    for args in (["run", str(config), "--warehouse", str(warehouse)], ["sweep", str(grid)]):
        status, out, err = cli(capsys, *args)
        assert status == 2 and out == ""
        one_line_error(err, "warehouse: ", needle)
    assert calls == {"load_sources": 0, "run_fold": 0}
    result = check(config)  # `check` says the same, writing nothing
    assert any(needle in e for e in result.errors), result.errors


@mounts
def test_a_read_only_warehouse_is_refused_before_the_backtest(
    tmp_path: Path, calls: dict[str, int], capsys: pytest.CaptureFixture[str]
):
    with tmpfs(tmp_path / "wh", "4m") as warehouse:
        earlier = ml4t_sql.run(SMALL, warehouse=warehouse)
        before = fingerprints(warehouse)
        calls.update(load_sources=0, run_fold=0)
        remount(warehouse, "ro")
        try:
            config = write_config(tmp_path, PANEL, warehouse)
            status, out, err = cli(capsys, "run", str(config))
            assert status == 2 and out == ""
            one_line_error(err, f"warehouse: {warehouse} is on a read-only filesystem")
            with pytest.raises(StoreError, match="read-only filesystem"):
                ml4t_sql.run(SMALL, warehouse=warehouse / "new")  # one not made yet, under it
            assert calls == {"load_sources": 0, "run_fold": 0}
            assert fingerprints(warehouse) == before
            assert [r.run_id for r in [earlier]] == [p.name for p in (warehouse / "runs").iterdir()]
            assert "read-only filesystem" in " ".join(check(config).errors)
            status, out, _ = cli(capsys, "check", "--warehouse", str(warehouse))  # reading still works
            assert status == 0 and "1 sound, 0 damaged" in out
        finally:
            remount(warehouse, "rw")


@mounts
def test_a_read_only_mount_without_the_warehouse_refuses_to_create_it(tmp_path: Path, calls: dict[str, int]):
    with tmpfs(tmp_path / "ro", "1m", "ro") as parent:
        with pytest.raises(StoreError, match=f"{parent} is on a read-only filesystem"):
            ml4t_sql.run(SMALL, warehouse=parent / "wh")
        assert calls["load_sources"] == 0 and list(parent.iterdir()) == []


@mounts
@pytest.mark.parametrize("sub", ["runs", ".staging"])
def test_staging_and_runs_on_different_filesystems_are_refused(
    tmp_path: Path, calls: dict[str, int], capsys: pytest.CaptureFixture[str], sub: str
):
    warehouse = tmp_path / "wh"
    ml4t_sql.run(SMALL, warehouse=warehouse)
    with tmpfs(warehouse / sub, "4m"):
        calls.update(load_sources=0, run_fold=0)
        config = write_config(tmp_path, PANEL, warehouse)
        status, _, err = cli(capsys, "run", str(config))
        assert status == 2
        one_line_error(err, "are on different filesystems", "would not be atomic")
        assert calls == {"load_sources": 0, "run_fold": 0}
        assert "different filesystems" in " ".join(check(config).errors)


@mounts
def test_a_disk_too_small_for_the_estimate_is_refused_before_the_fold(tmp_path: Path, calls: dict[str, int]):
    with tmpfs(tmp_path / "wh", "1m") as warehouse:  # the estimate is at least 1 MiB
        with pytest.raises(StoreError, match=r"about 1\.\d MiB needed for this run's tables, 1\.0 MiB free"):
            ml4t_sql.run(SMALL, warehouse=warehouse)
        assert calls == {"load_sources": 1, "run_fold": 0}  # the window is known, the backtest not begun
        assert staged(warehouse) == [] and not (warehouse / "runs").exists()
        assert "MiB needed" in " ".join(check({**SMALL, "output": {"warehouse": str(warehouse)}}).errors)


def test_the_estimate_covers_a_strategy_holding_a_few_assets_and_is_documented(tmp_path: Path):
    prices = make_prices(60, 300, seed=2).with_columns(score=pl.col("close"))
    run = ml4t_sql.run({"data": {"prices": prices}, "strategy": {"signal": "score", "top_n": 3}}, warehouse=tmp_path)
    written = sum(p.stat().st_size for p in run.path.glob("*.parquet"))
    estimate = estimate_run_bytes(run.equity.height, prices["asset"].n_unique())
    assert written < estimate < 10 * written + 2 * MIB, (written, estimate)
    assert estimate_run_bytes(10, 100, 3) == MIB + 3 * 10 * (256 + 800)


# --- 10.5: errors after the backtest: one line, nothing left, exit 2 ----------------------------


@mounts
@pytest.mark.parametrize("chunked", [False, True], ids=["one-pass", "chunked"])
def test_a_disk_that_fills_while_writing_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], calls: dict[str, int], chunked: bool
):
    with tmpfs(tmp_path / "wh", "3m") as warehouse:
        earlier = ml4t_sql.run(SMALL, warehouse=warehouse)
        before = fingerprints(warehouse)
        extra = {"memory_budget_mb": 0.05} if chunked else {}
        config = write_config(tmp_path, big_prices(), warehouse, **extra)
        status, out, err = cli(capsys, "run", str(config))
        assert status == 2 and out == ""
        one_line_error(err, "cannot write run", "No space left on device", "nothing was published")
        assert calls["run_fold"] >= (2 if chunked else 1)  # the error came after (or during) the backtest
        assert staged(warehouse) == []  # staging and spill folders removed
        assert fingerprints(warehouse) == before
        assert [p.name for p in (warehouse / "runs").iterdir()] == [earlier.run_id]
        assert not list(warehouse.glob(f".{DB_NAME}.*"))
        assert free_bytes(warehouse) > 2 * MIB  # the space came back


@mounts
def test_runs_on_another_filesystem_at_the_commit_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    warehouse = tmp_path / "wh"
    ml4t_sql.run(SMALL, warehouse=warehouse)
    stack = contextlib.ExitStack()
    after_fold(monkeypatch, lambda: stack.enter_context(tmpfs(warehouse / "runs", "4m")))  # after the preflight
    with stack:
        status, _, err = cli(capsys, "run", str(write_config(tmp_path, PANEL, warehouse)))
        assert status == 2
        one_line_error(err, "(moving it into runs/)", "runs/ and .staging/ are on different filesystems")
        assert staged(warehouse) == [] and list((warehouse / "runs").iterdir()) == []


@mounts
def test_a_warehouse_that_turns_read_only_during_the_run_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    with tmpfs(tmp_path / "wh", "4m") as warehouse:
        earlier = ml4t_sql.run(SMALL, warehouse=warehouse)
        after_fold(monkeypatch, lambda: remount(warehouse, "ro"))
        try:
            status, _, err = cli(capsys, "run", str(write_config(tmp_path, PANEL, warehouse)))
        finally:
            remount(warehouse, "rw")
        assert status == 2
        one_line_error(err, "Read-only file system", "nothing was published")
        assert [p.name for p in (warehouse / "runs").iterdir()] == [earlier.run_id]


# --- 10.5: landed, views not refreshed: exit 0 and a warning saying how to refresh -------------


@mounts
@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_run_that_landed_exits_0_when_only_the_views_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fault: str
):
    with tmpfs(tmp_path / "wh", "4m") as warehouse:
        filler: list[Path] = []

        def break_disk(wh: Path) -> None:
            if fault == "full":
                filler.append(fill(wh))
            else:
                remount(wh, "ro")

        after_commit(monkeypatch, break_disk)
        try:
            status, out, err = cli(capsys, "run", str(write_config(tmp_path, PANEL, warehouse)))
        finally:
            if fault == "read-only":
                remount(warehouse, "rw")
        assert status == 0, err
        run_id = out.strip().splitlines()[-1]
        why = "No space left on device" if fault == "full" else "Read-only file system"
        assert err.startswith("warning: the views in") and why in err and "Traceback" not in err
        assert f"`ml4t-sql check --warehouse {warehouse}` refreshes the views" in err
        assert "another process" not in err
        assert inspect_run(warehouse / "runs" / run_id, checksums=True).sound
        assert not list(warehouse.glob(f".{DB_NAME}.*"))  # no temporary catalog left
        monkeypatch.undo()
        for path in filler:
            path.unlink()
        status, out, _ = cli(capsys, "check", "--warehouse", str(warehouse))
        assert status == 0 and "ok:" in out
        con = duckdb.connect(str(warehouse / DB_NAME), read_only=True)
        assert con.sql("select run_id from runs").fetchall() == [(run_id,)]
        con.close()


# --- 10.6: a damaged catalog is set aside and rebuilt ---------------------------------------


def _truncate(n: int | None) -> Callable[[Path], None]:
    def damage(db: Path) -> None:
        with open(db, "r+b") as handle:
            handle.truncate(db.stat().st_size // 2 if n is None else n)

    return damage


def _flip(offset: int) -> Callable[[Path], None]:
    def damage(db: Path) -> None:
        data = bytearray(db.read_bytes())
        data[offset] ^= 0xFF
        db.write_bytes(bytes(data))

    return damage


def _directory(db: Path) -> None:
    db.unlink()
    (db / "inside").mkdir(parents=True)


CATALOG_DAMAGE = {
    "truncated to half": (_truncate(None), "is truncated"),
    "truncated to 100 bytes": (_truncate(100), "is truncated"),
    "empty": (_truncate(0), "is not a DuckDB database file"),
    "garbage": (lambda db: db.write_bytes(os.urandom(5000)), "is not a DuckDB database file"),
    "a checksum off": (_flip(4096 + 20), "fails its checksums"),
    "a directory": (_directory, "is a directory, not a file"),
}


@pytest.mark.parametrize("case", sample(list(CATALOG_DAMAGE), every=3))
def test_a_damaged_catalog_is_set_aside_and_rebuilt_by_the_next_run(tmp_path: Path, case: str):
    damage, what = CATALOG_DAMAGE[case]
    first = ml4t_sql.run(SMALL, warehouse=tmp_path)
    db = tmp_path / DB_NAME
    damage(db)
    kept = db.read_bytes() if db.is_file() else None
    with pytest.warns(StoreWarning) as caught:
        second = ml4t_sql.run(SMALL, warehouse=tmp_path)
    notes = [str(w.message) for w in caught]
    assert len(notes) == 1 and f"{db} {what}: set aside as {DB_NAME}.broken-" in notes[0], notes
    assert "rebuilt from the 2 sound run folder(s)" in notes[0] and "another process" not in notes[0]
    (aside,) = tmp_path.glob(f"{DB_NAME}.broken-*")
    assert aside.is_dir() if kept is None else aside.read_bytes() == kept  # kept as it was
    con = duckdb.connect(str(db), read_only=True)
    assert {r[0] for r in con.sql("select run_id from runs").fetchall()} == {first.run_id, second.run_id}
    con.close()


@pytest.mark.parametrize("case", ["truncated to half", "garbage", "a directory"])
def test_check_warehouse_rebuilds_a_damaged_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str):
    damage, what = CATALOG_DAMAGE[case]
    run = ml4t_sql.run(SMALL, warehouse=tmp_path)
    damage(tmp_path / DB_NAME)
    Path(f"{tmp_path / DB_NAME}.wal").write_bytes(b"a log of the damaged file")
    status, out, err = cli(capsys, "check", "--warehouse", str(tmp_path))
    assert status == 0 and err == "", err
    assert f"catalog: {tmp_path / DB_NAME} {what}: set aside as" in out and "ok:" in out
    assert not Path(f"{tmp_path / DB_NAME}.wal").exists()  # set aside with it, never replayed into the new one
    assert len(list(tmp_path.glob(f"{DB_NAME}.broken-*.wal"))) == 1
    con = duckdb.connect(str(tmp_path / DB_NAME), read_only=True)
    assert con.sql("select run_id from runs").fetchall() == [(run.run_id,)]
    con.close()
    assert check_warehouse(tmp_path).catalog.notes == ()  # sound now: nothing more to do


@mounts
@pytest.mark.parametrize("read_only", [False, True], ids=["read-write holder", "read-only holder"])
def test_held_open_is_said_only_when_another_process_holds_the_catalog(tmp_path: Path, read_only: bool):
    ml4t_sql.run(SMALL, warehouse=tmp_path)
    (tmp_path / DB_NAME).unlink()  # views to be made again, while another process holds a new file
    duckdb.connect(str(tmp_path / DB_NAME)).close()
    hold = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro'); "
        "print('ok', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(tmp_path / DB_NAME), "ro" if read_only else "rw"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        held = ensure_catalog(tmp_path, wait_s=0.3)
        assert not held.current and len(held.notes) == 1
        assert f"is held open by another process (PID {holder.pid})" in held.notes[0]
        assert not list(tmp_path.glob(f"{DB_NAME}.broken-*"))  # a held file is not damaged
    finally:
        holder.kill()
        holder.wait()
    assert ensure_catalog(tmp_path).current


# --- 10.6: a damaged run is reported, never shown partially ---------------------------------


def _delete(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).unlink()


def _replace_metrics(folder: Path) -> None:
    pl.DataFrame({"run_id": [folder.name], "metric": ["sharpe"], "value": [99.0]}).write_parquet(
        folder / "metrics.parquet"
    )


def _flip_file(name: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / name
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))

    return damage


def _stray(folder: Path) -> None:
    shutil.copy(folder / "targets.parquet", folder / "extra.parquet")  # the views' globs would read it


RUN_DAMAGE = {  # case -> (damage, the words naming it, seen by a stat: sizes and names)
    "trades deleted": (_delete("trades.parquet"), "trades.parquet is missing", True),
    "equity truncated": (lambda f: os.truncate(f / "equity.parquet", 100), "equity.parquet is 100 bytes", True),
    "metrics rewritten": (_replace_metrics, "metrics.parquet is", True),
    "manifest deleted": (_delete(MANIFEST), f"{MANIFEST} is missing", True),
    "a stray file": (_stray, "extra.parquet is not in manifest.json", True),
    "positions byte flipped": (_flip_file("positions.parquet"), "positions.parquet does not match its sha256", False),
}


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("three") / "wh"
    for _ in range(3):
        ml4t_sql.run(SMALL, warehouse=warehouse)
    return warehouse


@pytest.mark.parametrize("case", sample(list(RUN_DAMAGE), every=3))
def test_a_damaged_run_is_reported_by_every_reader(
    three_runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
):
    damage, needle, by_stat = RUN_DAMAGE[case]
    warehouse = tmp_path / "wh"
    shutil.copytree(three_runs, warehouse, ignore=shutil.ignore_patterns("ml4t.duckdb*"))  # views rebuilt for here
    first, bad, last = (p.name for p in sorted((warehouse / "runs").iterdir()))
    damage(warehouse / "runs" / bad)
    named = f"run {bad} is damaged ({needle}"

    # report (and load_run): every file checked in full, refused naming the run and the file
    with pytest.raises(StoreError, match=re.escape(named)):
        load_run(warehouse, bad)
    assert load_run(warehouse, first)["equity"].num_rows == PANEL["date"].n_unique()  # the others read fine
    status, _, err = cli(capsys, "report", bad, "--warehouse", str(warehouse), "-o", str(tmp_path / "r.html"))
    assert status == 2 and not (tmp_path / "r.html").exists()
    one_line_error(err, named)

    # runs, connect and the views: a stat per file; left out with a warning, the other runs whole
    listed = {first, last} if by_stat else {first, bad, last}
    with warnings_of(by_stat, named):
        assert set(list_runs(warehouse)["run_id"]) == listed
    with warnings_of(by_stat, named):
        con = connect(warehouse)
    assert {r[0] for r in con.sql("select run_id from runs").fetchall()} == listed
    assert {r[0] for r in con.sql("select distinct run_id from equity").fetchall()} == listed
    con.close()
    status, out, err = cli(capsys, "runs", "--warehouse", str(warehouse))
    assert status == 0 and (bad in out) != by_stat and (f"warning: {named}" in err) == by_stat
    with warnings_of(by_stat, named):
        fourth = ml4t_sql.run(SMALL, warehouse=warehouse)  # the views are refreshed without the damaged run
    assert views_read(warehouse) == listed | {fourth.run_id}

    # check --warehouse: every byte; exit 1 naming it; the views leave it out from now on
    status, out, err = cli(capsys, "check", "--warehouse", str(warehouse))
    assert status == 1 and f"damaged: {named}" in out and "4 run(s), 3 sound, 1 damaged" in out
    assert views_read(warehouse) == {first, last, fourth.run_id}


def test_latest_is_refused_when_the_newest_run_is_damaged(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    older = ml4t_sql.run(SMALL, warehouse=tmp_path)
    newer = ml4t_sql.run(SMALL, warehouse=tmp_path)
    (newer.path / "equity.parquet").unlink()
    status, _, err = cli(capsys, "report", "latest", "--warehouse", str(tmp_path), "-o", str(tmp_path / "r.html"))
    assert status == 2 and f"error: the latest run {newer.run_id} is damaged (equity.parquet is missing)" in err
    status, out, _ = cli(capsys, "report", older.run_id, "--warehouse", str(tmp_path), "-o", str(tmp_path / "r.html"))
    assert status == 0 and (tmp_path / "r.html").is_file()  # a sound run still reports


def test_a_warehouse_whose_every_run_is_damaged_says_so(tmp_path: Path):
    run = ml4t_sql.run(SMALL, warehouse=tmp_path)
    (run.path / "runs.parquet").unlink()
    with pytest.warns(StoreWarning), pytest.raises(StoreError, match="every run in warehouse .* is damaged"):
        connect(tmp_path)
    with pytest.warns(StoreWarning), pytest.raises(StoreError, match="every run in warehouse .* is damaged"):
        list_runs(tmp_path)
    result = check_warehouse(tmp_path)
    assert not result.ok and [r.run_id for r in result.damaged] == [run.run_id]
    assert views_read(tmp_path) == set()


@contextlib.contextmanager
def warnings_of(expected: bool, needle: str) -> Iterator[None]:
    """The block warns (StoreWarning) with `needle` if expected, and warns nothing otherwise."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    messages = [str(w.message) for w in caught if issubclass(w.category, StoreWarning)]
    if expected:
        assert len(messages) == 1 and needle in messages[0], messages
    else:
        assert messages == []


def views_read(warehouse: Path) -> set[str]:
    """The run ids the catalog's views show (through an ordinary DuckDB client)."""
    con = duckdb.connect(str(warehouse / DB_NAME), read_only=True)
    try:
        views = {r[0] for r in con.sql("select view_name from duckdb_views() where not internal").fetchall()}
        if "runs" not in views:
            return set()
        ids = {r[0] for r in con.sql("select run_id from runs").fetchall()}
        for name in views - {"runs", "ml4t_status"}:  # every table reads, and holds the same runs
            assert {r[0] for r in con.sql(f"select distinct run_id from {name}").fetchall()} <= ids, name
        return ids
    finally:
        con.close()


def test_a_manifest_lists_every_table_with_rows_bytes_and_checksum(tmp_path: Path):
    run = ml4t_sql.run(SMALL, warehouse=tmp_path)
    manifest = json.loads((run.path / MANIFEST).read_text())
    assert manifest["run_id"] == run.run_id and manifest["format"] == 1
    files = sorted(p.name for p in run.path.glob("*.parquet"))
    assert sorted(e["file"] for e in manifest["tables"].values()) == files
    for name, entry in manifest["tables"].items():
        path = run.path / entry["file"]
        assert entry["rows"] == pq.read_metadata(path).num_rows == run.tables[name].height
        assert entry["bytes"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    grid = ml4t_sql.sweep(SMALL, grid={"top_n": [1, 2]}, warehouse=tmp_path)
    assert "variants" in json.loads((grid.path / MANIFEST).read_text())["tables"]
    assert check_warehouse(tmp_path).ok


def test_check_warehouse_on_sound_empty_and_missing_warehouses(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    ml4t_sql.run(SMALL, warehouse=tmp_path / "wh")
    status, out, err = cli(capsys, "check", "--warehouse", str(tmp_path / "wh"))
    assert status == 0 and err == "" and "1 run(s), 1 sound, 0 damaged" in out and out.strip().endswith("current")
    (tmp_path / "empty").mkdir()
    status, out, _ = cli(capsys, "check", "--warehouse", str(tmp_path / "empty"))
    assert status == 0 and "0 run(s)" in out and list((tmp_path / "empty").iterdir()) == []
    status, _, err = cli(capsys, "check", "--warehouse", str(tmp_path / "nowhere"))
    assert status == 2
    one_line_error(err, "does not exist")
    status, _, err = cli(capsys, "check")
    assert status == 2
    one_line_error(err, "give a CONFIG")


# --- 10.7: spill folders live in the warehouse and are cleaned like staging -----------------


def test_a_written_run_spills_inside_the_warehouse_and_removes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    seen: list[str] = []
    real = pipeline.working_connection

    def spying(budget: float, spill: Path) -> duckdb.DuckDBPyConnection:
        con = real(budget, spill)
        seen.append(con.sql("select current_setting('temp_directory')").fetchall()[0][0])
        return con

    monkeypatch.setattr(pipeline, "working_connection", spying)
    ml4t_sql.run(SMALL, warehouse=tmp_path / "wh")
    (spill,) = map(Path, seen)
    assert spill.parent == (tmp_path / "wh" / ".staging").resolve()
    assert spill.name.startswith("spill-") and spill.name.endswith(f".{HOST}.{os.getpid()}")
    assert not spill.exists() and staged(tmp_path / "wh") == []
    ml4t_sql.run(SMALL, write=False)  # in memory: a private temporary folder, removed too
    assert Path(seen[1]).name.startswith("ml4t-sql-") and not Path(seen[1]).exists()


@pytest.mark.process  # a process that has exited gives a dead pid
def test_spill_folders_of_dead_processes_are_removed_by_the_next_run(tmp_path: Path):
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True).stdout)
    staging = tmp_path / ".staging"
    names = [f"spill-0badc0de.{HOST}.{dead}", f"spill-00000001.{HOST}.{os.getppid()}", f"spill-1.otherhost.{dead}"]
    for name in names:
        (staging / name).mkdir(parents=True)
        (staging / name / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    (staging / f"probe-1.{HOST}.{dead}").write_bytes(b"a preflight's test file")
    ml4t_sql.run(SMALL, warehouse=tmp_path)
    assert staged(tmp_path) == sorted(names[1:])  # a live process's and another host's stay


def test_a_write_false_run_touches_no_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    ml4t_sql.run({**SMALL, "output": {"warehouse": str(tmp_path / "wh")}}, write=False)
    assert list(tmp_path.iterdir()) == []
