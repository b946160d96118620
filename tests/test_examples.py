"""Every example configuration runs as it is, and the README's table of examples quotes its figures."""

from __future__ import annotations

from pathlib import Path

import pytest

import ml4t_sql

ROOT = Path(__file__).resolve().parents[1]
README = " ".join((ROOT / "README.md").read_text().split())
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.toml"))


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_runs_and_the_readme_quotes_it(name: str):
    s = ml4t_sql.run(ROOT / "examples" / name, write=False).stats()
    figures = (
        f"| {s['total_return']:.1%} | {s['sharpe']:.2f} | {s['max_drawdown']:.1%} | {s['annual_turnover']:.1f}x |"
    )
    row = next((line for line in README.split("| `")[1:] if line.startswith(f"{name}`")), None)
    assert row is not None, f"README's table of examples has no row for {name}"
    assert figures in "|" + row.split("|", 2)[2], (name, figures, row)
