"""The master scale on hand-computed cases."""

import numpy as np
import pytest

from creditrisk.errors import ConfigError
from creditrisk.model.scale import MasterScale, herfindahl, scale_checks

SCALE = MasterScale((0.01, 0.02, 0.04, 0.08, 0.16, 0.32))


def test_grades_and_their_pd_ranges():
    # a bound belongs to the grade above it: 0.01 is grade 2
    assert SCALE.grade([0.0, 0.0099, 0.01, 0.05, 0.31, 0.32, 0.99]).tolist() == [1, 1, 2, 4, 6, 7, 7]
    assert SCALE.grades == [1, 2, 3, 4, 5, 6, 7]
    assert SCALE.pd_range(1) == (0.0, 0.01) and SCALE.pd_range(7) == (0.32, 1.0)


def test_too_few_or_unordered_bounds_are_refused():
    too_few, repeated, with_zero = ((0.01, 0.02, 0.04, 0.08, 0.16), (0.01, 0.02, 0.02, 0.08, 0.16, 0.32),
                                    (0.0, 0.1, 0.2, 0.3, 0.4, 0.5))
    for bounds in (too_few, repeated, with_zero):
        with pytest.raises(ConfigError, match="scale.bounds"):
            MasterScale(bounds)


def test_table_checks_and_herfindahl_by_hand():
    # grade 2: 4 clients, 1 default; grade 4: 4 clients, 2 defaults; grade 7: 2 clients, 2 defaults
    pd_ = np.array([0.015] * 4 + [0.05] * 4 + [0.5] * 2)
    y = np.array([1, 0, 0, 0, 1, 1, 0, 0, 1, 1])
    rows = SCALE.table(y, pd_)
    used = [(r["grade"], r["clients"], r["defaults"], r["default_rate"]) for r in rows if r["clients"]]
    assert used == [(2, 4, 1, 0.25), (4, 4, 2, 0.5), (7, 2, 2, 1.0)]
    assert rows[0]["default_rate"] is None and rows[1]["share"] == 0.4
    assert herfindahl(rows) == pytest.approx(0.4 ** 2 + 0.4 ** 2 + 0.2 ** 2)  # 0.36
    checks = scale_checks(rows, max_share=0.5)
    assert checks["monotone"] and checks["spread"] and checks["ok"] and checks["largest_share"] == 0.4
    assert not scale_checks(rows, max_share=0.3)["ok"]  # a grade holds 40 % of the clients
    y_flat = np.array([1, 1, 0, 0, 1, 0, 0, 0, 1, 1])  # grade 2 at 50 %, grade 4 at 25 %: not ordered
    assert not scale_checks(SCALE.table(y_flat, pd_), max_share=0.5)["monotone"]
