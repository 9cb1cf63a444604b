"""The model card says whether borrowing less can raise the PD, and how the constraints are kept when they are on."""

from creditrisk.reporting.model_card import _monotone_line, _shape


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
