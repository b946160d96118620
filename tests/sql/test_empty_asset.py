"""sql/checks/empty_asset.sql: asset names that are empty or only whitespace, from a relation's spellings."""


def test_empty_and_blank_names_are_found_and_nothing_else(check):
    spellings = [
        {"asset": name, "n_rows": n}
        for name, n in [("", 2), (" ", 1), ("\t \n", 1), ("A", 9), (" A", 3), ("A B", 1), (None, 4)]
    ]
    rows = check("empty_asset", "spellings", {"spellings": spellings})
    assert sorted(r["asset"] for r in rows) == ["", "\t \n", " "]
