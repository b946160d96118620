"""sql/checks/bad_price, missing_open and inconsistent_ohlc: the rows each flag of typed_prices marks
(the flags themselves: test_typed_prices.py)."""

import pytest

ROWS = [
    {"asset": "OK", "is_bad_price": False, "is_missing_open": False, "is_inconsistent": False},
    {"asset": "BAD", "is_bad_price": True, "is_missing_open": False, "is_inconsistent": False},
    {"asset": "NOOPEN", "is_bad_price": False, "is_missing_open": True, "is_inconsistent": False},
    {"asset": "ODD", "is_bad_price": False, "is_missing_open": False, "is_inconsistent": True},
]


@pytest.mark.parametrize(("rule", "asset"), [("bad_price", "BAD"), ("missing_open", "NOOPEN"),
                                             ("inconsistent_ohlc", "ODD")])  # fmt: skip
def test_each_rule_returns_its_flagged_rows(check, rule, asset):
    assert [r["asset"] for r in check(rule, "typed_prices", {"typed_prices": ROWS})] == [asset]
