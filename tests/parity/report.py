"""The parity table of docs/VALIDATION.md, from the results the last parity run saved.

.venv/bin/python -m pytest -m parity        # runs the suite; writes .parity/results/*.json
.venv/bin/python -m tests.parity.report     # prints the table (also written to .parity/results.md)
"""

from __future__ import annotations

import json

from tests.parity import envs
from tests.parity.harness import RESULTS
from tests.parity.scenarios import KNOWN_DIFFERENCES, SCENARIOS


def table() -> str:
    results = {}
    for path in sorted(RESULTS.glob("*.json")):
        r = json.loads(path.read_text())
        results[(r["scenario"], r["peer"])] = r
    lines = [
        "| scenario | peer (version) | ml4t-sql options | trades ml4t-sql / peer (diff) "
        "| max rel. NAV diff | time ml4t-sql / peer (s) | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in SCENARIOS:
        for peer in s.peers:
            if peer in s.skip:
                lines.append(f"| {s.name} | {peer} | | | | | n/a: {s.skip[peer]} |")
                continue
            r = results.get((s.name, peer))
            if r is None:
                lines.append(f"| {s.name} | {peer} | | | | | not run |")
                continue
            options = ", ".join(f"{k}={v}" for k, v in r["options"].items()) or "defaults"
            diff = r["peer_trades"] - r["ml4t_trades"]
            verdict = "difference: see below" if (s.name, peer) in KNOWN_DIFFERENCES else "equal"
            lines.append(
                f"| {s.name} | {peer} {r['version']} | {options} | {r['ml4t_trades']} / {r['peer_trades']} ({diff:+d}) "
                f"| {r['max_rel_equity_diff']:.1e} | {r['ml4t_seconds']:.2f} / {r['peer_seconds']:.2f} | {verdict} |"
            )
    builds = []
    for peer in envs.PEERS:
        ready = envs.env_dir(peer) / ".ready"
        if ready.exists():
            builds.append(f"{peer} {json.loads(ready.read_text())['seconds']:.0f} s")
    if builds:
        lines.append("")
        lines.append("Environment builds (last, in parallel): " + ", ".join(builds) + ".")
    return "\n".join(lines + stops_table())


def stops_table() -> list[str]:
    """The stop rules against vectorbt (tests/parity/test_stops.py), if that test has run."""
    from tests.parity.test_stops import KNOWN, STOPS_RESULT

    if not STOPS_RESULT.exists():
        return []
    r = json.loads(STOPS_RESULT.read_text())
    lines = [
        "",
        f"Stops against vectorbt {r['version']}:",
        "",
        "| case | trades ml4t-sql / vectorbt | ml4t-sql's risk exits | trades at another date or price "
        "| max rel. NAV diff | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for c in r["cases"]:
        exits = ", ".join(f"{k} {v}" for k, v in c["risk_exits"].items())
        verdict = "difference: see below" if c["case"] in KNOWN else "equal"
        lines.append(
            f"| {c['case']} | {c['ml4t_trades']} / {c['peer_trades']} | {exits} | {c['unmatched']} "
            f"| {c['max_rel_nav_diff']:.1e} | {verdict} |"
        )
    return lines


if __name__ == "__main__":
    text = table()
    (envs.CACHE / "results.md").write_text(text + "\n")
    print(text)
