import numpy as np
import pandas as pd
import pytest

from creditrisk.model.fairness import age_band, fairness_report, group_outcomes


def test_group_outcomes_by_hand():
    groups = np.array(["F", "F", "F", "M", "M"])
    y = np.array([1, 0, 0, 1, 0])
    refuse = np.array([True, True, False, False, False])
    f, m = group_outcomes(groups, y, refuse)
    assert (f.pop("group"), f.pop("clients")) == ("F", 3)
    assert f == pytest.approx({"default_rate": 1 / 3, "approval_rate": 1 / 3, "false_negative_rate": 0.0,
                               "false_positive_rate": 0.5})
    assert (m["approval_rate"], m["false_negative_rate"], m["false_positive_rate"]) == (1.0, 1.0, 0.0)


def test_age_bands_and_report():
    assert age_band(np.array([25.0, 30.0, 59.9, 61.0])).tolist() == ["< 30", "30-44", "45-59", "60+"]
    x = pd.DataFrame({"CODE_GENDER": ["F", "M"], "AGE_YEARS": [25.0, 50.0]})
    report = fairness_report(x, np.array([0, 1]), np.array([False, True]))
    assert [r["group"] for r in report["by_age_band"]] == ["45-59", "< 30"]
    assert report["by_gender"][1]["false_negative_rate"] == 0.0
