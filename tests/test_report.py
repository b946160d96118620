"""The HTML report: self-contained, and drawn by a real browser (headless Chromium) without errors or requests.

The browser test needs Debian's `chromium` and `chromium-driver` (.ci/run installs them). Under
CI it fails if they are missing; on a developer machine without them it skips and says why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import ml4t_sql
from ml4t_sql.report.tearsheet import RELATIONS, render_compare, render_report, report_data
from ml4t_sql.store.runs import load_run

ROOT = Path(__file__).resolve().parents[1]
CHARTS = (
    "chart-equity", "chart-excess", "chart-drawdown", "chart-monthly", "chart-rolling-sharpe",
    "chart-rolling-vol", "chart-turnover", "chart-carry", "chart-exposure", "chart-contributions",
)  # fmt: skip
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
)  # fmt: skip


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> ml4t_sql.Run:
    return ml4t_sql.run(ROOT / "examples" / "top25_momentum.toml", warehouse=tmp_path_factory.mktemp("wh"))


@pytest.fixture(scope="module")
def report_file(example: ml4t_sql.Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example.report(tmp_path_factory.mktemp("report") / "report.html")


# --- the file -----------------------------------------------------------------------------------


def test_report_is_one_self_contained_file(report_file: Path):
    html = report_file.read_text()
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert html.count('id="chart-') == len(CHARTS)
    assert "echarts" in html and "Apache ECharts" in html


def test_report_shows_metrics_config_and_lineage(example: ml4t_sql.Run, report_file: Path):
    html = report_file.read_text()
    stats = example.stats()
    assert f"{stats['total_return'] * 100:,.2f}%" in html and f"{stats['sharpe']:,.2f}" in html
    runs = example.tables["runs"].row(0, named=True)
    for value in (runs["run_id"], runs["config_hash"], runs["input_fingerprint"], "spy_benchmark"):
        assert value in html
    assert "Benchmark (spy_benchmark)" in html


def test_report_from_the_warehouse_equals_run_report(example: ml4t_sql.Run):
    assert example.path is not None
    from_disk = load_run(example.path.parent.parent, example.run_id)
    assert render_report(from_disk) == render_report(example.tables)


def test_report_relations_cover_the_whole_run(example: ml4t_sql.Run):
    data, _ = report_data([example.tables])
    assert set(data) == set(RELATIONS)
    n = example.equity.height
    assert len(data["equity_curve"]) == len(data["drawdowns"]) == len(data["exposure"]) == n
    assert len(data["monthly_returns"]) == 49  # 2014-02 .. 2018-02
    pnl = sum(r["pnl"] for r in data["contributions"])
    assert pnl == pytest.approx(example.stats()["final_nav"] - 1_000_000, rel=1e-9)


def test_a_run_without_a_benchmark_table_still_reports(example: ml4t_sql.Run):
    tables = {k: v for k, v in example.tables.items() if k != "benchmark"}
    html = render_report(tables)
    assert 'id="chart-equity"' in html


# --- the browser --------------------------------------------------------------------------------


def _binaries() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    found = _binaries()
    if found is None:
        message = "chromium and chromium-driver are needed (apt-get install -y chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1400,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=found[1]), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver, path: Path, n_charts: int) -> None:  # type: ignore[no-untyped-def]
    driver.get_log("browser"), driver.get_log("performance")  # start from empty logs
    driver.get(path.resolve().as_uri())
    deadline = time.monotonic() + 20
    while driver.execute_script("return document.body.dataset.chartsReady || null") != str(n_charts):
        assert time.monotonic() < deadline, "the charts did not finish drawing within 20 s"
        time.sleep(0.05)


def _drawn(driver, chart_id: str) -> dict:  # type: ignore[no-untyped-def]
    return driver.execute_script(
        """
        const el = document.getElementById(arguments[0]);
        const chart = window.echarts.getInstanceByDom(el);
        const series = chart ? chart.getOption().series : [];
        return {
          svg: el.querySelectorAll("svg").length,
          paths: el.querySelectorAll("svg path").length,
          points: series.map(s => (s.data || []).filter(v => v !== null).length),
          width: el.getBoundingClientRect().width,
          height: el.getBoundingClientRect().height,
        };
        """,
        chart_id,
    )


def _network_requests(driver) -> list[str]:  # type: ignore[no-untyped-def]
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.mark.process  # a real browser
def test_every_chart_is_drawn_in_chromium_without_console_errors(browser, report_file: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    _open(browser, report_file, len(CHARTS))
    for chart_id in CHARTS:
        drawn = _drawn(browser, chart_id)
        assert drawn["svg"] == 1 and drawn["paths"] > 10, (chart_id, drawn)
        assert drawn["width"] > 300 and drawn["height"] > 200, (chart_id, drawn)
        assert drawn["points"] and all(n > 0 for n in drawn["points"]), (chart_id, drawn)
    equity_points = _drawn(browser, "chart-equity")["points"]
    assert equity_points == [1007, 1007, 1007]  # strategy, SPY, equal-weight universe: every window date
    assert len(_drawn(browser, "chart-monthly")["points"]) == 1 and _drawn(browser, "chart-monthly")["points"][0] == 49

    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, height)
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 50_000
    print(f"screenshot: {shot} ({time.perf_counter() - started:.1f} s in the browser)")

    browser.find_element("id", "log-scale").click()
    y_axis = browser.execute_script(
        "return echarts.getInstanceByDom(document.getElementById('chart-equity')).getOption().yAxis[0].type"
    )
    assert y_axis == "log"
    assert _drawn(browser, "chart-equity")["paths"] > 10

    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    requests = _network_requests(browser)
    assert any(u == report_file.resolve().as_uri() for u in requests)  # the log does record requests
    assert [u for u in requests if u.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))] == []


@pytest.mark.process  # a real browser
def test_compare_page_draws_both_curves(browser, example: ml4t_sql.Run, tmp_path: Path):  # type: ignore[no-untyped-def]
    other = ml4t_sql.run(ROOT / "examples" / "top25_momentum_monthly.toml", write=False)
    page = tmp_path / "compare.html"
    page.write_text(render_compare([example.tables, other.tables]))
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page.read_text(), re.S)
    assert match is not None
    payload = json.loads(match.group(1).replace("<\\/", "</"))
    assert payload["benchmark"]["growth"][-1] == pytest.approx(1 + example.stats()["benchmark_total_return"], rel=1e-12)
    assert payload["runs"][1]["growth"]["growth"][-1] == pytest.approx(1 + other.stats()["total_return"], rel=1e-12)
    _open(browser, page, 2)
    growth, drawdowns = _drawn(browser, "chart-growth"), _drawn(browser, "chart-drawdowns")
    assert growth["points"] == [1007, 1007, 1007] and growth["paths"] > 10, growth  # two runs and SPY
    assert drawdowns["points"] == [1007, 1007] and drawdowns["paths"] > 10, drawdowns
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []
