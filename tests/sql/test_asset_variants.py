"""sql/checks/asset_variants.sql: names that differ only by case or surrounding whitespace, and the
name each folds into: the most rows, ties to the first in byte order, trimmed; the prices' spelling
first when a signal's name is matched against them. NULL and empty names are other rules'."""


def spelled(**counts):
    return [{"asset": k.replace("_", " "), "n_rows": v} for k, v in counts.items()]


def test_groups_fold_into_the_most_frequent_trimmed_spelling(check):
    prices = [
        *spelled(AAPL=100, aapl=3, _AAPL=2),  # "_AAPL" stands for " AAPL"
        *spelled(MSFT=10, msft=10),  # a tie: byte order, upper case first
        *spelled(_Z_=5, z=1),  # the chosen one is trimmed: both fold into "Z"
        *spelled(X=4, _Y=2),  # alone: not a variant of anything
        {"asset": None, "n_rows": 7},
        {"asset": "", "n_rows": 1},
        {"asset": " ", "n_rows": 1},
    ]
    rows = check("asset_variants", "spellings", {"spellings": prices}, against=None)
    assert rows == [
        {"asset": " AAPL", "folds_into": "AAPL", "n_rows": 2},
        {"asset": " Z ", "folds_into": "Z", "n_rows": 5},
        {"asset": "aapl", "folds_into": "AAPL", "n_rows": 3},
        {"asset": "msft", "folds_into": "MSFT", "n_rows": 10},
        {"asset": "z", "folds_into": "Z", "n_rows": 1},
    ]


def test_a_signal_name_folds_into_the_prices_spelling(check):
    prices = spelled(AAPL=100, GOOG=1, IBM=5)
    signals = spelled(aapl=50, AAPL=1, goog=300, IBM=5, ibm_=1, NEW=2)  # "ibm_" stands for "ibm "
    tables = {"signal_spellings": signals, "price_spellings": prices}
    rows = check("asset_variants", "signal_spellings", tables, against="price_spellings")
    assert rows == [
        {"asset": "aapl", "folds_into": "AAPL", "n_rows": 50},
        {"asset": "goog", "folds_into": "GOOG", "n_rows": 300},  # the prices' name, though fewer rows
        {"asset": "ibm ", "folds_into": "IBM", "n_rows": 1},
    ]  # AAPL and IBM are the prices' own spelling; NEW has no prices at all (unknown_signal_asset's)
