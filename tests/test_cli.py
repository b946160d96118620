"""The ml4t-sql command: run prints the run id last; query prints a table; user errors exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .clirunner import cli
from .test_inputs import PANEL

CLI = str(Path(sys.executable).parent / "ml4t-sql")



@pytest.fixture
def config(tmp_path: Path) -> Path:
    PANEL.write_parquet(tmp_path / "prices.parquet")
    path = tmp_path / "run.toml"
    path.write_text(
        '[data]\nprices = "prices.parquet"\n[strategy]\nsignal = "score"\ntop_n = 2\n[output]\nwarehouse = "wh"\n'
    )
    return path


def test_run_then_query(config: Path, tmp_path: Path):
    done = cli("run", str(config))
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip().splitlines()[-1]
    assert (tmp_path / "wh" / "runs" / run_id / "equity.parquet").is_file()

    out = cli("query", "select run_id, count(*) as n from equity group by run_id", "--warehouse", str(tmp_path / "wh"))
    assert out.returncode == 0, out.stderr
    assert run_id in out.stdout and str(PANEL["date"].n_unique()) in out.stdout

    csv = cli("query", "select count(*) as n from trades", "--csv", "--warehouse", "wh", cwd=tmp_path)
    assert csv.returncode == 0 and csv.stdout.splitlines()[0] == "n"


def test_quiet_prints_only_the_run_id(config: Path):
    done = cli("run", str(config), "--quiet")
    assert done.returncode == 0 and len(done.stdout.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[data]\nprices = "prices.parquet"\n[strategy]\nsignal = "score"\ntopn = 2\n', "did you mean `top_n`"),
        ('[data]\nprices = "missing.parquet"\n', "path does not exist"),
        ('[data]\nprices = "prices.parquet"\n[strategy]\nsignal = "score"\ntop_n = 0\n', "top_n"),
        ('[data]\nprices = "prices.parquet"\n[strategy]\nsignal = "nope"\n', "no signal column 'nope'"),
        ("[data\n", "not valid TOML"),
    ],
)
def test_user_errors_are_short_messages_without_traceback(tmp_path: Path, toml: str, needle: str):
    PANEL.write_parquet(tmp_path / "prices.parquet")
    (tmp_path / "bad.toml").write_text(toml)
    done = cli("run", str(tmp_path / "bad.toml"), "--warehouse", str(tmp_path / "wh"))
    assert done.returncode == 2
    assert needle in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "wh" / "runs").exists()


def test_query_errors_are_short(tmp_path: Path, config: Path):
    assert cli("run", str(config), "--quiet").returncode == 0
    done = cli("query", "select * from nowhere", "--warehouse", str(tmp_path / "wh"))
    assert done.returncode == 2 and "nowhere" in done.stderr and "Traceback" not in done.stderr
    empty = cli("query", "select 1", "--warehouse", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "no runs in warehouse" in empty.stderr


def on_terminal(*args: str) -> tuple[int, str]:
    """Run the CLI with its standard error on a pseudo-terminal; return (status, what it showed)."""
    import os
    import pty

    main, replica = pty.openpty()
    done = subprocess.run([CLI, *args], stdout=subprocess.PIPE, stderr=replica)
    os.close(replica)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    return done.returncode, shown.decode()


@pytest.mark.process
def test_progress_goes_to_a_terminal_only(config: Path):
    """Dates done, rate and time left on stderr when it is a terminal; nothing when piped or quiet."""
    status, shown = on_terminal("run", str(config))
    n = PANEL["date"].n_unique()
    assert status == 0 and f"fold: {n}/{n} dates" in shown and "dates/s" in shown and "s left" in shown
    assert "dates/s" not in cli("run", str(config)).stderr
    status, shown = on_terminal("run", str(config), "--quiet")
    assert status == 0 and "dates/s" not in shown


@pytest.mark.process
def test_the_installed_command_runs_and_exits_2_on_a_user_error(config: Path, tmp_path: Path):
    done = subprocess.run([CLI, "run", str(config), "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "wh" / "runs" / done.stdout.strip()).is_dir()
    bad = subprocess.run([CLI, "run", str(tmp_path / "missing.toml")], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and "Traceback" not in bad.stderr
