"""The model card says whether borrowing less can raise the PD, how the constraints are kept when they are on, and
writes counts as a person reads them."""

from types import SimpleNamespace

from creditrisk.reporting.model_card import _group_table, _holdout_section, _monotone_line, _scale_section, _shape


def test_the_constraints_are_listed_by_sign_with_what_the_model_is_not_given():
    line = _monotone_line({"AMT_CREDIT": 1, "GOODS_CREDIT_RATIO": -1, "AMT_ANNUITY": 1})
    assert "the PD never falls as `AMT_ANNUITY`, `AMT_CREDIT` rise and never rises as `GOODS_CREDIT_RATIO` rise" in line
    assert "borrowing less never raises it" in line
    assert "Credit − price is not given to the model" in line and "combines no categorical features" in line


def test_without_constraints_the_card_says_a_smaller_amount_can_get_a_higher_pd():
    line = _monotone_line({})
    assert line.startswith("- No monotone constraint on the loan terms")
    assert "a smaller amount at the same term gets a higher PD" in line and "never raises" not in line


def test_the_tuned_shape_reads_as_a_person_would_write_it():
    assert _shape({"depth": 4, "l2_leaf_reg": 19.030368381735816, "rsm": 0.7207805082202461}) == (
        "depth 4, l2_leaf_reg 19.03, rsm 0.7208")


def test_counts_of_a_thousand_and_more_carry_a_thousands_separator():
    m = {"holdout_rows": 4846, "holdout_defaults": 381, "default_rate": 0.0786, "tp": 250, "fn": 131, "fp": 1203,
         "tn": 3262, **{k: 0.5 for k in ("auc", "pr_auc", "business_cost_per_client", "normalized_cost", "threshold",
                                         "brier", "approval_rate")}}
    text = "\n".join(_holdout_section(m, SimpleNamespace(train_rows=19384)))
    assert "- 19,384 applicants for training" in text and "holdout of 4,846 applicants" in text
    assert "## Holdout metrics (4,846 applicants, 381 defaults;" in text
    assert "250 defaulters refused, 131 defaulters accepted, 1,203 good clients refused, 3,262 good" in text
    assert "?" not in text and "19384" not in text
    unknown = "\n".join(_holdout_section({**m, "holdout_defaults": None}, SimpleNamespace(train_rows=19384)))
    assert "(4,846 applicants, ? defaults;" in unknown

    grade = {"grade": 2, "pd_low": 0.01, "pd_high": 0.02, "clients": 3057, "share": 0.127, "default_rate": 0.0114,
             "mean_pd": 0.0159}
    checks = {"monotone": True, "largest_grade": 2, "largest_share": 0.127, "max_share": 0.5, "herfindahl": 0.2}
    tested = {"clients": 1763, "defaults": 48, "mean_pd": 0.0292, "p_value": 0.68, "light": "green"}
    jeffreys = {"test": "Jeffreys", "amber_below": 0.05, "red_below": 0.01, "grades": [{"grade": 3, **tested}],
                "portfolio": {**tested, "clients": 6000, "defaults": 1489}}
    scale = "\n".join(_scale_section({"oof": [grade], "checks": checks}, jeffreys))
    assert "| 2 | 1.0 % – 2.0 % | 3,057 | 12.7 % |" in scale
    assert "| 3 | 1,763 | 48 | 2.92 % | 2.72 % | 0.680 | green |" in scale
    assert "| all | 6,000 | 1,489 |" in scale

    rates = {k: None for k in ("default_rate", "approval_rate", "false_negative_rate", "false_positive_rate")}
    rows = _group_table([{"group": "F", "clients": 12345, "defaults": 1002, **rates},
                         {"group": "M", "clients": 999, **rates}])
    assert rows[2].startswith("| F | 12,345 | 1,002 | ") and rows[3].startswith("| M | 999 |  | ")
