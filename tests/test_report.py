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
from html import unescape
from pathlib import Path

import polars as pl
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


# --- the page's content, from the example's run -------------------------------------------------


def _payload(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1).replace("<\\/", "</"))


def _table(html: str, table_id: str) -> list[list[str]]:
    """The cells of <table id=table_id> as text, one list per row (the header row first)."""
    match = re.search(rf'<table id="{table_id}"[^>]*>(.*?)</table>', html, re.S)
    assert match is not None, table_id
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S)
    return [[unescape(" ".join(re.sub(r"<[^>]+>", " ", c).split()))
             for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)] for row in rows]  # fmt: skip


@pytest.fixture(scope="module")
def long_short(tmp_path_factory: pytest.TempPathFactory) -> ml4t_sql.Run:
    return ml4t_sql.run(ROOT / "examples" / "sector_neutral_long_short.toml", write=False)


def test_header_says_the_strategy_in_one_line(report_file: Path, long_short: ml4t_sql.Run):
    html = report_file.read_text()
    line = re.search(r'<p class="strategy" id="strategy-line">(.*?)</p>', html, re.S)
    assert line is not None
    assert line.group(1) == (
        "Top 25 by momentum, equal weight, rebalanced daily; costs 1 bp commission + 2 bps slippage; "
        "2014-02-10 to 2018-02-07 (1,007 dates)"
    )
    other = re.search(r'id="strategy-line">(.*?)</p>', render_report(long_short.tables), re.S)
    assert other is not None and other.group(1) == (
        "Long the top 3, short the bottom 3 by momentum within each sector, equal weight (long 100%, short 100%), "
        "rebalanced monthly; costs 1 bp commission + 2 bps slippage, cash at the [data] rates series, "
        "borrow at 0.50% a year; 2014-02-10 to 2018-02-07 (1,007 dates)"
    )


def test_configuration_and_data_quality_are_tables_not_json(report_file: Path):
    html = report_file.read_text()
    assert "<pre>" not in html and '"strategy": {' not in html and '"findings"' not in html
    config = {(row[1], row[2]) for row in _table(html, "config")[1:]}
    assert {("top_n", "25"), ("rebalance", "daily"), ("commission_bps", "1"), ("initial_cash", "1,000,000.00"),
            ("quality.missing_open", "no_fill"), ("fractional", "true")} <= config  # fmt: skip
    assert not any(value == "None" for _, value in config)  # unset keys are left out
    quality = {row[0].split()[0]: row for row in _table(html, "quality")[1:]}
    assert quality["missing_open"][1:3] == ["11", "no_fill"]
    assert quality["inconsistent_ohlc"][1:3] == ["12", "drop"]
    assert (
        quality["missing_open"][3]
        == "NULL open asset=BHF, close=69.0842, date=2017-07-26, high=NULL, low=NULL, open=NULL, volume=3"
    )


def test_costs_are_split_by_kind(example: ml4t_sql.Run, report_file: Path):
    stats = example.stats()
    rows = {row[0]: row[1:] for row in _table(report_file.read_text(), "cost-split")[1:]}
    assert list(rows) == ["commission", "slippage", "financing"]  # no impact or dividends columns here
    assert rows["commission"][0] == f"{stats['total_commission']:,.2f}" and rows["commission"][1] == "1.00"
    assert rows["slippage"][0] == f"{stats['total_slippage']:,.2f}" and rows["slippage"][1] == "2.00"
    assert rows["financing"] == ["0.00", ""]  # no rates: nothing earned or paid, and never -0.00


def test_current_holdings_weight_pnl_and_days_held(example: ml4t_sql.Run, report_file: Path):
    rows = _table(report_file.read_text(), "holdings")
    assert rows[0] == ["asset", "side", "shares", "weight", "market value", "P&L", "since", "days held"]
    positions, trades = example.tables["positions"], example.tables["trades"]
    dates = example.equity["date"].to_list()
    last = positions.filter(positions["date"] == dates[-1])
    assert len(rows) - 1 == last.height == 25
    by_asset = {row[0]: row for row in rows[1:]}
    held = {(r["date"], r["asset"]): r["market_value"] for r in positions.iter_rows(named=True)}
    flows: dict[tuple, float] = {}
    for t in trades.iter_rows(named=True):
        sign = 1.0 if t["side"] == "sell" else -1.0
        flows[(t["date"], t["asset"])] = (
            flows.get((t["date"], t["asset"]), 0.0) + sign * t["notional"] - t["commission"]
        )
    for p in last.iter_rows(named=True):  # the P&L as a sum of daily changes in value, walking back
        k, pnl = len(dates) - 1, 0.0
        while k >= 0 and (dates[k], p["asset"]) in held:
            prev = held.get((dates[k - 1], p["asset"]), 0.0) if k > 0 else 0.0
            pnl += held[(dates[k], p["asset"])] - prev + flows.get((dates[k], p["asset"]), 0.0)
            k -= 1
        row = by_asset[p["asset"]]
        assert row[3] == f"{p['weight'] * 100:,.2f}%" and row[4] == f"{p['market_value']:,.2f}"
        assert row[5] == f"{pnl:,.2f}".replace("-0.00", "0.00"), p["asset"]
        days = len(dates) - 1 - k
        assert row[6] == str(dates[k + 1]) and row[7] == (f"{days} days" if days != 1 else "1 day")


def test_trade_blotter_shows_the_last_200_trades_and_the_query_for_the_rest(example: ml4t_sql.Run, report_file: Path):
    html = report_file.read_text()
    rows = _table(html, "blotter")
    trades = example.tables["trades"].sort(["date", "asset", "reason"], descending=[True, False, False])
    assert len(rows) - 1 == 200 < trades.height
    assert [r[:3] for r in rows[1:4]] == [
        [str(t["date"]), t["asset"], t["side"]] for t in trades.head(3).iter_rows(named=True)
    ]
    assert f"the last 200 of {trades.height:,} trades" in html
    query = re.search(r'<code id="trades-query">(.*?)</code>', html, re.S)
    assert query is not None
    command = unescape(query.group(1))
    sql = command.removeprefix("ml4t-sql query ").strip('"')
    assert example.path is not None
    con = ml4t_sql.connect(example.path.parent.parent)
    try:
        assert con.sql(sql).pl().select("date", "asset", "reason").equals(trades.select("date", "asset", "reason"))
    finally:
        con.close()


def test_no_negative_zero_anywhere(report_file: Path, long_short: ml4t_sql.Run):
    for html in (report_file.read_text(), render_report(long_short.tables)):
        text = re.sub(r"<script.*?</script>", "", html, flags=re.S)
        assert not re.search(r"-0\.0+(?![0-9])%?", text)


def test_long_short_exposure_and_financing_series(long_short: ml4t_sql.Run):
    html = render_report(long_short.tables)
    payload = _payload(html)
    equity = long_short.equity
    assert payload["exposure"]["short_exposure"] == pytest.approx(equity["short_exposure"].to_list(), abs=1e-12)
    assert payload["exposure"]["long_exposure"] == pytest.approx(equity["long_exposure"].to_list(), abs=1e-12)
    carry = payload["carry"]
    assert set(carry) == {"month", "financing", "cumulative_financing"}  # no dividends column in this run
    assert carry["cumulative_financing"][-1] == pytest.approx(long_short.stats()["total_financing"], rel=1e-12)
    rows = {row[0]: row[1] for row in _table(html, "cost-split")[1:]}
    assert rows["financing"] == f"{-long_short.stats()['total_financing']:,.2f}"
    holdings = _table(html, "holdings")[1:]
    positions = long_short.tables["positions"]
    last = positions.filter(positions["date"] == positions["date"].max())
    assert {r[1] for r in holdings} == {"long", "short"} and len(holdings) == last.height
    assert sum(r[1] == "short" for r in holdings) == (last["shares"] < 0).sum()
    assert "Financing per month" in html and "Financing and dividends" not in html


def test_dividends_appear_when_equity_has_them(long_short: ml4t_sql.Run):
    tables = dict(long_short.tables)
    n = tables["equity"].height
    tables["equity"] = tables["equity"].with_columns(dividends=pl.Series([0.0] * (n - 1) + [125.0]))
    html = render_report(tables)
    carry = _payload(html)["carry"]
    assert carry["cumulative_dividends"][-1] == 125.0 and carry["dividends"][-1] == 125.0
    rows = {row[0]: row[1] for row in _table(html, "cost-split")[1:]}
    assert rows["dividends"] == "-125.00"  # received: a negative cost
    assert "Financing and dividends per month" in html


# --- the sweep page -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[ml4t_sql.Sweep, Path]:
    grid = {"top_n": [10, 25, 50], "rebalance": ["daily", "monthly"]}
    result = ml4t_sql.sweep(
        ROOT / "examples" / "top25_momentum.toml", grid=grid, warehouse=tmp_path_factory.mktemp("wh")
    )
    return result, result.report(tmp_path_factory.mktemp("sweep") / "sweep.html")


def test_sweep_page_heatmap_holds_each_variants_sharpe(sweep_page):  # type: ignore[no-untyped-def]
    result, page = sweep_page
    html = page.read_text()
    grid = _payload(html)["grid"]
    compare = result.compare("sharpe")
    sharpe = dict(zip(compare["variant"], compare["sharpe"], strict=True))
    params = {v: json.loads(p) for v, p in zip(result.variants["variant"], result.variants["params"], strict=True)}
    expected = {(str(p["top_n"]), p["rebalance"]): sharpe[v] for v, p in params.items()}
    got = {(x, y): v for x, y, v in zip(grid["x"], grid["y"], grid["value"], strict=True)}
    assert got == pytest.approx(expected, rel=1e-15) and len(got) == 6
    assert sorted(zip(grid["x_order"], grid["x"], strict=True))[0][1] == "10"  # the grid's order
    rows = _table(html, "variants")[1:]
    best = compare.sort("sharpe", descending=True).row(0, named=True)
    assert rows[0][:2] == [str(best["variant"]), best["name"]] and rows[0][5] == f"{best['sharpe']:.2f}"
    assert "Sharpe ratio by top_n and rebalance" in html


def test_report_command_writes_the_sweep_page(sweep_page, tmp_path: Path):  # type: ignore[no-untyped-def]
    from ml4t_sql.cli import main

    result, page = sweep_page
    assert result.path is not None
    out = tmp_path / "sweep.html"
    assert main(["report", result.run_id, "--warehouse", str(result.path.parent.parent), "-o", str(out)]) == 0
    assert _payload(out.read_text())["grid"] == _payload(page.read_text())["grid"]


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


def _screenshot(driver, folder: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    """A full-page screenshot into `folder`, and into $ML4T_SQL_SCREENSHOTS too when it is set (how
    docs/report.png and docs/sweep.png are made)."""
    height = 0
    while height != driver.execute_script("return document.documentElement.scrollHeight"):
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1400, height)
        time.sleep(0.2)
    shot = folder / name
    assert driver.save_screenshot(str(shot))
    if os.environ.get("ML4T_SQL_SCREENSHOTS"):
        shutil.copy(shot, Path(os.environ["ML4T_SQL_SCREENSHOTS"]) / name)
    driver.set_window_size(1400, 1000)
    return shot


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

    grids = browser.execute_script(
        "return echarts.getInstanceByDom(document.getElementById('chart-exposure')).getOption().grid.length"
    )
    assert grids == 2  # exposure and holdings each on their own axes
    labels = browser.execute_script("return Array.from(document.querySelectorAll('svg text')).map(t => t.textContent)")
    assert labels and not [t for t in labels if re.fullmatch(r"-0(\.0+)?%?", t.strip())]  # never -0%
    assert browser.execute_script("return ml4tFormat.pct(-0.00001)") == "0.00%"

    shot = _screenshot(browser, tmp_path, "report.png")
    assert shot.stat().st_size > 50_000
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


@pytest.mark.process  # a real browser
def test_sweep_heatmap_is_drawn(browser, sweep_page, tmp_path: Path):  # type: ignore[no-untyped-def]
    result, page = sweep_page
    _open(browser, page, 1)
    drawn = _drawn(browser, "chart-heatmap")
    assert drawn["svg"] == 1 and drawn["points"] == [6] and drawn["paths"] >= 6, drawn
    axes = browser.execute_script(
        "const o = echarts.getInstanceByDom(document.getElementById('chart-heatmap')).getOption();"
        "return [o.xAxis[0].data, o.yAxis[0].data]"
    )
    assert axes == [["10", "25", "50"], ["daily", "monthly"]]
    print(f"screenshot: {_screenshot(browser, tmp_path, 'sweep.png')}")
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []


@pytest.mark.process  # a real browser
def test_long_short_page_draws_the_short_leg_and_financing(browser, long_short: ml4t_sql.Run, tmp_path: Path):  # type: ignore[no-untyped-def]
    page = tmp_path / "long_short.html"
    page.write_text(render_report(long_short.tables))
    _open(browser, page, len(CHARTS))
    names = browser.execute_script(
        "return echarts.getInstanceByDom(document.getElementById('chart-exposure')).getOption().series.map(s => s.name)"
    )
    assert names == ["Long exposure", "Short exposure", "Gross exposure", "Net exposure", "Holdings"]
    assert _drawn(browser, "chart-exposure")["points"] == [1007] * 5
    assert _drawn(browser, "chart-carry")["points"] == [49, 49]  # financing per month and its running total
    print(f"screenshot: {_screenshot(browser, tmp_path, 'report_long_short.png')}")
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []
