"""`ml4t-sql check CONFIG`: config and data validated without running; a report; exit 0 or 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from ml4t_sql.validation import check, format_check

from .depth import sample
from .test_bad_input import CASES, Case
from .test_inputs import PANEL

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "warehouse" / "sample" / "sp500_5yr.parquet"
CLI = str(Path(sys.executable).parent / "ml4t-sql")


def example_config(tmp_path: Path, quality: str) -> Path:
    """The canonical example, its warehouse moved to tmp_path."""
    text = (ROOT / "examples" / "top25_momentum.toml").read_text()
    text = text.replace('"../warehouse/sample/sp500_5yr.parquet"', repr(str(SAMPLE)).replace("'", '"'))
    text = text.replace('"momentum_12_1.sql"', repr(str(ROOT / "examples" / "momentum_12_1.sql")).replace("'", '"'))
    spy = ROOT / "warehouse" / "sample" / "spy_benchmark.parquet"
    text = text.replace('"../warehouse/sample/spy_benchmark.parquet"', repr(str(spy)).replace("'", '"'))
    text = text.replace('warehouse = "../warehouse"', 'warehouse = "wh"')
    start, end = text.index("[data.quality]"), text.index("[strategy]")
    path = tmp_path / "run.toml"
    path.write_text(text[:start] + quality + "\n" + text[end:])
    return path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True)


def test_the_example_checks_clean_and_nothing_is_written(tmp_path: Path):
    config = example_config(tmp_path, '[data.quality]\nmissing_open = "no_fill"\ninconsistent_ohlc = "drop"\n')
    done = cli("check", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("prices    619,040 rows in, 619,028 used; 505 assets; 1,259 dates 2013-02-08 .. ")
    assert "window    2014-02-10 .. 2018-02-07: 1,007 dates" in lines
    rule = {line.split()[0]: line.split()[1:3] for line in lines if line.startswith("  ") and len(line.split()) > 2}
    assert rule["missing_open"] == ["11", "no_fill"] and rule["inconsistent_ohlc"] == ["12", "drop"]
    assert rule["bad_price"] == ["0", "fail"] and rule["no_signal_date"] == ["0", "fail"]
    assert lines[-1] == "ok: no errors; `ml4t-sql run` would start with these inputs"
    assert not (tmp_path / "wh").exists()


def test_the_sample_with_default_policies_lists_every_error(tmp_path: Path):
    config = example_config(tmp_path, "")
    done = cli("check", str(config))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    out = done.stdout
    assert "2 error(s); a run would stop at the first:" in out
    assert "error: prices: NULL open (11 rows)" in out
    assert "error: prices: high below max(open, close) or low above min(open, close) (12 rows)" in out
    assert "  2014-05-19  AOS    23.89" in out  # the first example, by asset and date
    assert not (tmp_path / "wh").exists()


def test_several_problems_are_reported_together_with_their_rows():
    dirty = pl.concat([PANEL, PANEL.head(1)]).with_columns(
        pl.when(pl.col("asset") == "S3").then(-1.0).otherwise(pl.col("close")).alias("close"),
        pl.when(pl.col("asset") == "S5").then(None).otherwise(pl.col("open")).alias("open"),
    )
    result = check({"data": {"prices": dirty}, "strategy": {"signal": "score", "top_n": 2}})
    assert not result.ok
    heads = [e.splitlines()[0] for e in result.errors]
    assert heads == [  # the row rules (one scan), then the keys
        "prices: NULL, NaN, infinite, zero or negative prices, or a negative or non-finite volume (40 rows)",
        "prices: NULL open (40 rows)",
        "prices: duplicate (date, asset) keys (1 row)",
    ]
    assert result.report.findings["bad_price"].examples[0]["asset"] == "S3"
    report = format_check(result)
    rule = "NULL, NaN, infinite, zero or negative prices, or a negative or non-finite volume"
    assert "3 error(s)" in report and f"bad_price: {rule} (40), first rows:" in report


def test_config_and_strategy_errors_are_reported_not_raised(tmp_path: Path):
    unknown = check({"data": {"prices": PANEL}, "strategy": {"topn": 2}})
    assert not unknown.ok and "did you mean `top_n`?" in unknown.errors[0]
    bad_sql = check({"data": {"prices": PANEL}, "strategy": {"sql": "select date, asset, 2.0 as weight from prices"}})
    assert [e.splitlines()[0] for e in bad_sql.errors] == [
        "strategy sql: gross weight sum |w| above max_leverage (1) on a date (40 rows)"
    ]
    (tmp_path / "taken").write_text("a file")
    not_a_folder = check({"data": {"prices": PANEL}, "strategy": {"signal": "score"}, "output": {"warehouse": "x"}})
    assert not_a_folder.ok
    blocked = check(
        {"data": {"prices": PANEL}, "strategy": {"signal": "score"}, "output": {"warehouse": str(tmp_path / "taken")}}
    )
    assert blocked.errors == [f"[output] warehouse: {tmp_path / 'taken'} exists and is not a folder"]
    missing = cli("check", str(tmp_path / "nowhere.toml"))
    assert missing.returncode == 1 and "config file not found" in missing.stdout


def test_check_summarizes_the_strategy_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    config = {"data": {"prices": PANEL}, "strategy": {"signal": "score", "top_n": 2, "rebalance": "weekly"}}
    result = check({**config, "output": {"warehouse": "wh"}})
    assert result.ok and list(tmp_path.iterdir()) == []
    assert (result.summary["rebalance_dates"], result.summary["target_rows"], result.summary["cash_dates"]) == (
        6,
        12,
        0,
    )


@pytest.mark.parametrize("case", sample(CASES, every=3), ids=lambda c: c.id)
def test_check_lists_every_refusal_of_the_catalog_and_never_raises(case: Case, tmp_path: Path):
    """Whatever a run refuses, `check` reports (with the same first line), and it raises nothing."""
    result = check(case.build(tmp_path))
    assert not result.ok
    heads = [e.splitlines()[0] for e in result.errors]
    first = next(n for n in case.needles if n not in ("prices", "signals", "benchmark", "strategy sql"))
    assert any(first in e for e in result.errors), (first, heads)
    assert "Traceback" not in format_check(result)
