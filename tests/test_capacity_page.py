"""The capacity page (`ml4t-sql capacity ... -o FILE`, `ml4t-sql report CAPACITY_RUN`): one row per
capital with the sweep's values, and a chart against capital on a log axis."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml4t_sql.capacity import COLUMNS, capacity
from ml4t_sql.format import fmt
from ml4t_sql.report.capacity_page import load_capacity, render_capacity

from .clirunner import cli
from .test_capacity import PRICES
from .test_report import _drawn, _open, _payload, _table, browser  # noqa: F401 (a fixture)

CAPITALS = (1e4, 1e7, 1e10)


@pytest.fixture(scope="module")
def capacity_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("capacity")
    PRICES.write_parquet(folder / "prices.parquet")
    config = folder / "run.toml"
    config.write_text('[data]\nprices = "prices.parquet"\n[data.quality]\nno_signal_date = "cash"\n[strategy]\n'
                      'signal = "score"\ntop_n = 3\n[output]\nwarehouse = "wh"\n')  # fmt: skip
    page = folder / "capacity.html"
    done = cli("capacity", str(config), "--capital", ",".join(f"{c:g}" for c in CAPITALS), "-o", str(page))
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip().splitlines()[-1]
    table, _ = capacity(config, list(CAPITALS), write=False)
    return folder / "wh", run_id, page, table


def test_the_page_has_one_row_per_capital_with_the_sweeps_values(capacity_run):  # type: ignore[no-untyped-def]
    _, _, page, table = capacity_run
    html = page.read_text()
    rows = _table(html, "capacity")
    assert rows[0] == [label for _, label, _ in COLUMNS]
    assert rows[1:] == [[fmt(r[key], kind) for key, _, kind in COLUMNS] for r in table.sort("capital").to_dicts()]
    assert len(rows) - 1 == len(CAPITALS)
    data = _payload(html)
    assert data["capital"] == list(CAPITALS)
    for key in ("total_return", "sharpe", "fill_rate", "cost_bps"):
        assert data[key] == pytest.approx(table.sort("capital")[key].to_list(), rel=1e-12), key


def test_report_of_a_capacity_run_writes_the_same_page(capacity_run, tmp_path: Path):  # type: ignore[no-untyped-def]
    warehouse, run_id, page, _ = capacity_run
    out = tmp_path / "again.html"
    done = cli("report", run_id, "--warehouse", str(warehouse), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text() == page.read_text()
    assert render_capacity(*load_capacity(warehouse, run_id)) == page.read_text()


@pytest.mark.process  # a real browser
def test_capacity_chart_is_drawn_on_a_log_axis(browser, capacity_run):  # type: ignore[no-untyped-def]  # noqa: F811
    _, _, page, _ = capacity_run
    _open(browser, page, 1)
    drawn = _drawn(browser, "chart-capacity")
    assert drawn["svg"] == 1 and drawn["points"] == [len(CAPITALS)] * 3 and drawn["paths"] > 3, drawn
    axis = browser.execute_script(
        "return echarts.getInstanceByDom(document.getElementById('chart-capacity')).getOption().xAxis[0].type"
    )
    assert axis == "log"
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []
