"""The research page: one self-contained file (no network), its summary and chart data from the
research tables, drawn by headless Chromium without errors (tests/test_report.py's browser)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

import ml4t_sql
from ml4t_sql.report.research import render_research
from tests.test_report import _drawn, _network_requests, _open, browser  # noqa: F401 - the browser fixture
from tests.test_research import config, panel

CHARTS = ("chart-ic", "chart-quantiles", "chart-spread")


@pytest.fixture(scope="module")
def study() -> ml4t_sql.Research:
    prices, signals = panel(9, 9, 60)
    return ml4t_sql.research(config(prices, signals, horizons=[1, 4], quantiles=3), write=False)


@pytest.fixture(scope="module")
def page(study: ml4t_sql.Research, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return study.report(tmp_path_factory.mktemp("research") / "research.html")


def payload_of(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_the_page_is_one_file_that_fetches_nothing(page: Path):
    html = page.read_text()
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert html.count('id="chart-') == len(CHARTS) and "Apache ECharts" in html


def test_the_page_shows_the_summary_and_the_tables_data(study: ml4t_sql.Research, page: Path):
    html = page.read_text()
    data = payload_of(html)
    summary = {r["horizon"]: r for r in study.summary.iter_rows(named=True)}
    for h, row in summary.items():
        assert f"{row['mean_rank_ic']:.4f}" in html and data["horizons"] == [1, 4]
        ic = study.tables["information_coefficient"].filter(horizon=h)["rank_ic"].to_list()
        assert data["ic"][str(h)]["rank_ic"] == ic
    quantiles = study.tables["quantile_returns"].filter(horizon=4).sort("quantile")["mean_fwd_return"].to_list()
    assert data["quantiles"]["4"]["mean_fwd_return"] == quantiles
    spread = study.tables["quantile_spread"].filter(horizon=1).sort("date")["spread"].to_list()
    assert data["spread_horizon"] == 1
    assert data["spread"]["growth"][-1] == pytest.approx(math.prod(1 + s for s in spread))


def test_a_page_needs_the_research_tables(study: ml4t_sql.Research):
    tables = {k: v for k, v in study.tables.items() if k != "quantile_spread"}
    with pytest.raises(ml4t_sql.Ml4tError, match="needs the research table 'quantile_spread'"):
        render_research(tables)


@pytest.mark.process  # a real browser
def test_every_chart_is_drawn_offline_without_console_errors(browser, page: Path):  # type: ignore[no-untyped-def]  # noqa: F811
    _open(browser, page, len(CHARTS))
    for chart_id in CHARTS:
        drawn = _drawn(browser, chart_id)
        assert drawn["svg"] == 1 and drawn["paths"] > 3 and drawn["width"] > 200, (chart_id, drawn)
    assert len(_drawn(browser, "chart-ic")["points"]) == 6  # 3 series per horizon
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []
    requests = _network_requests(browser)
    assert any(u == page.resolve().as_uri() for u in requests)  # the log does record requests
    assert [u for u in requests if u.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))] == []
