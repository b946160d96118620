"""Docs run: the README's commands and SQL, and every example, work as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import ml4t_sql

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
CI = (ROOT / ".ci" / "run").read_text()


def test_ci_runs_the_readme_set_up_commands_verbatim():
    setup = re.search(r"## Set up.*?```bash\n(.*?)```", README, re.S)
    assert setup is not None
    commands = [line for line in setup.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    for command in commands:
        assert command in CI.splitlines()


@pytest.fixture(scope="module")
def example_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("wh")
    for config in ("top25_momentum.toml", "top25_momentum_monthly.toml"):
        ml4t_sql.run(ROOT / "examples" / config, warehouse=warehouse)
    return warehouse


def test_readme_sql_example_runs_over_the_example_runs(example_warehouse: Path):
    block = re.search(r"An example over results.*?```sql\n(.*?)```", README, re.S)
    assert block is not None
    con = duckdb.connect(str(example_warehouse / "ml4t.duckdb"), read_only=True)
    rows = con.sql(block.group(1)).fetchall()
    assert {r[0] for r in rows} == {r[0] for r in con.sql("select run_id from runs").fetchall()}
    assert len(rows) == 2 * 49  # two runs x 49 months (2014-02 .. 2018-02)


def test_readme_config_block_is_a_valid_config(tmp_path: Path):
    block = re.search(r"## Configuration.*?```toml\n(.*?)```", README, re.S)
    assert block is not None
    (tmp_path / "readme.toml").write_text(block.group(1))
    cfg = ml4t_sql.load_config(tmp_path / "readme.toml")
    assert cfg.strategy.top_n == 25 and cfg.data.columns.asset == "symbol"


@pytest.mark.process
@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_example_scripts_run(script: str, tmp_path: Path):
    args = [sys.executable, str(ROOT / "examples" / script)]
    if script.startswith("01_"):
        args.append(str(tmp_path / "wh"))  # keep test runs out of the repository's warehouse
    done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "total return" in done.stdout or "total_return" in done.stdout


def test_every_python_block_of_the_readme_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Each ```python block, executed in order in one namespace, from a copy of the repository's
    examples and sample data (so the run lands in the copy's warehouse, not the repository's)."""
    import shutil

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "warehouse" / "sample", tmp_path / "warehouse" / "sample")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
    assert (tmp_path / "report.html").is_file()
    assert list((tmp_path / "warehouse" / "runs").iterdir())
