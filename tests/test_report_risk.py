"""The tearsheet's risk section: stop exits per rule and drawdown halts, marked on the charts, checked
against the run's `events` table; a run without risk rules has none."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.config import load_config
from ml4t_sql.report.tearsheet import render_report
from ml4t_sql.store.runs import load_run

from .test_report import (  # noqa: F401 (browser, example, report_file: fixtures)
    CHARTS,
    ROOT,
    _drawn,
    _open,
    _payload,
    _table,
    browser,
    example,
    report_file,
)

STOP_RULES = ("stop_loss", "take_profit", "trailing_stop")


@pytest.fixture(scope="module")
def risky(tmp_path_factory: pytest.TempPathFactory) -> ml4t_sql.Run:
    """The trailing-stop example with a 10% max_drawdown halt: one halt on the bundled data."""
    cfg = load_config(ROOT / "examples" / "top25_momentum_trailing_stop.toml")
    cfg = dataclasses.replace(cfg, risk=dataclasses.replace(cfg.risk, max_drawdown=0.1, take_profit=0.3))
    return ml4t_sql.run(cfg, warehouse=tmp_path_factory.mktemp("wh"))


@pytest.fixture(scope="module")
def risky_html(risky: ml4t_sql.Run) -> str:
    return render_report(risky.tables)


def test_risk_exits_table_counts_the_events_per_rule(risky: ml4t_sql.Run, risky_html: str):
    events = risky.tables["events"]
    counts = dict(events.filter(pl.col("rule").is_in(STOP_RULES)).group_by("rule").len().iter_rows())
    assert set(counts) == {"trailing_stop", "take_profit"}
    rows = _table(risky_html, "risk-exits")
    assert rows[0][:3] == ["rule", "exits", "P&L"]
    assert {r[0]: int(r[1].replace(",", "")) for r in rows[1:]} == counts
    assert [r[0] for r in rows[1:]] == [r for r in STOP_RULES if r in counts]
    # the exits' P&L: each position's trades from its opening to its exit, summed per rule
    stops = risky.tables["trades"].filter(pl.col("reason").is_in(STOP_RULES))
    assert stops.height == sum(counts.values())
    exits = _payload(risky_html)["risk"]["exits"]
    assert {rule: sum(n for _, n in per_date) for rule, per_date in exits.items()} == counts


def test_halts_list_the_drawdown_halts_with_their_depth_and_length(risky: ml4t_sql.Run, risky_html: str):
    events = risky.tables["events"]
    halts = events.filter(pl.col("rule") == "max_drawdown").sort("date")
    resumes = events.filter(pl.col("rule") == "resume").sort("date")["date"].to_list()
    assert halts.height >= 1
    rows = _table(risky_html, "halts")[1:]
    assert len(rows) == halts.height
    dates = risky.equity["date"].to_list()
    spans = _payload(risky_html)["risk"]["halts"]
    for row, halt, span in zip(rows, halts.iter_rows(named=True), spans, strict=True):
        nav, peak = map(float, re.findall(r"nav ([\d.]+) below [\d.]+ x peak ([\d.]+)", halt["detail"])[0])
        resume = min((d for d in resumes if d > halt["date"]), default=None)
        halted = sum(1 for d in dates if halt["date"] < d and (resume is None or d < resume))
        assert row == [str(halt["date"]), f"{(nav / peak - 1) * 100:.2f}%", str(resume or "not resumed"),
                       f"{halted} days"]  # fmt: skip
        assert span == [str(halt["date"]), str(resume or dates[-1])]


def test_the_report_from_the_warehouse_has_the_risk_section(risky: ml4t_sql.Run, risky_html: str):
    assert risky.path is not None
    assert render_report(load_run(risky.path.parent.parent, risky.run_id)) == risky_html


def test_a_run_without_risk_rules_has_no_risk_section(report_file: Path):  # noqa: F811
    html = report_file.read_text()
    assert 'id="risk"' not in html and "Risk exits" not in html
    assert _payload(html)["risk"] is None


@pytest.mark.process  # a real browser
def test_halts_are_shaded_and_exits_drawn(browser, risky_html: str, tmp_path: Path):  # type: ignore[no-untyped-def]  # noqa: F811
    page = tmp_path / "risk.html"
    page.write_text(risky_html)
    _open(browser, page, len(CHARTS))
    option = "echarts.getInstanceByDom(document.getElementById(arguments[0])).getOption()"
    areas = browser.execute_script(f"return {option}.series[0].markArea.data.length", "chart-drawdown")
    assert areas == len(_payload(risky_html)["risk"]["halts"])
    assert browser.execute_script(f"return {option}.series[0].markArea.data.length", "chart-equity") == areas
    names = browser.execute_script(f"return {option}.series.map(s => s.name)", "chart-drawdown")
    assert names == ["Drawdown", "take_profit exits", "trailing_stop exits"]
    assert _drawn(browser, "chart-drawdown")["paths"] > 10
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []


def test_a_sweep_variants_tearsheet_has_its_risk_section(tmp_path: Path):
    from ml4t_sql.store.variants import load_variant

    cfg = load_config(ROOT / "examples" / "top25_momentum_trailing_stop.toml")
    result = ml4t_sql.sweep(cfg, grid={"max_drawdown": [0.1, 0.5]}, warehouse=tmp_path)
    assert result.path is not None
    for variant in (0, 1):
        html = render_report(load_variant(result.path.parent.parent, result.run_id, str(variant)))
        events = result.tables["events"].filter(pl.col("variant") == variant)
        stops = events.filter(pl.col("rule").is_in(STOP_RULES)).height
        assert _table(html, "risk-exits")[1][1] == f"{stops:,}"
        halts = events.filter(pl.col("rule") == "max_drawdown").height
        assert len(_table(html, "halts")) - 1 == max(halts, 1)  # no halt: one row saying so
        assert ("no halts" in html) == (halts == 0)
