"""The real-data benchmark's stored runs read side by side: folds matched, shared arms checked, any arm as baseline."""

import pytest
from benchmarks.real_applications import merge_runs, table


def _fold(repeat: int, fold: int, **arms: tuple[float, float]) -> dict:
    return {"repeat": repeat, "fold": fold} | {arm: {"auc": auc, "cost": cost} for arm, (auc, cost) in arms.items()}


ROUTE_RUN = [_fold(0, 1, route=(0.750, 0.530), plain=(0.747, 0.545)),
             _fold(0, 2, route=(0.760, 0.520), plain=(0.734, 0.543))]
EXCL_RUN = [_fold(0, 2, plain=(0.734, 0.543), plain_excl=(0.745, 0.525)),  # another order: matched by key
            _fold(0, 1, plain=(0.747, 0.545), plain_excl=(0.740, 0.540))]


def test_two_runs_side_by_side_and_differences_from_the_chosen_baseline():
    rows = merge_runs([ROUTE_RUN, EXCL_RUN])
    assert [(r["repeat"], r["fold"]) for r in rows] == [(0, 1), (0, 2)]
    assert rows[1]["plain_excl"] == {"auc": 0.745, "cost": 0.525} and rows[1]["route"]["auc"] == 0.760
    lines = table(rows, ["route", "plain", "plain_excl"], folds=2, baseline="plain_excl").splitlines()
    assert "ΔAUC route−plain_excl" in lines[0] and "Δcost plain−plain_excl" in lines[0]
    mean = [c.strip() for c in lines[4].split("|")]
    # route − plain_excl: +0.010 and +0.015 → +0.0125; plain − plain_excl: +0.007 and −0.011 → −0.0020;
    # costs: −0.010 and −0.005 → −0.0075; +0.005 and +0.018 → +0.0115
    assert mean[-5:-1] == ["**+0.0125**", "**-0.0020**", "**-0.0075**", "**+0.0115**"]


def test_runs_that_disagree_on_a_shared_arm_or_leave_a_fold_without_an_arm_are_refused():
    other_plain = [_fold(0, 1, plain=(0.748, 0.545), plain_excl=(0.740, 0.540)),
                   _fold(0, 2, plain=(0.734, 0.543), plain_excl=(0.745, 0.525))]
    with pytest.raises(SystemExit, match="arm plain differs between the runs on repeat 0 fold 1"):
        merge_runs([ROUTE_RUN, other_plain])
    with pytest.raises(SystemExit, match=r"repeat 0 fold 1 lacks \['plain_excl'\]"):
        merge_runs([ROUTE_RUN, EXCL_RUN[:1]])


def test_the_parts_of_one_run_are_put_back_together_in_fold_order():
    later = [_fold(1, 1, route=(0.740, 0.550), plain=(0.744, 0.553))]
    rows = merge_runs([later, ROUTE_RUN])
    assert [(r["repeat"], r["fold"]) for r in rows] == [(0, 1), (0, 2), (1, 1)]
    mean = [c.strip() for c in table(rows, ["route", "plain"], folds=2).splitlines()[5].split("|")]
    # route − plain AUC: +0.003, +0.026, −0.004 → +0.0083; cost: −0.015, −0.023, −0.003 → −0.0137
    assert mean[-3:-1] == ["**+0.0083**", "**-0.0137**"]


def test_the_oracle_share_table_gives_each_world_and_each_size_mean_and_sample_sd():
    from benchmarks.oracle_share import settings
    from benchmarks.oracle_share import table as share_table

    def world(size: int, seed: int, auc: float, oracle: float, cost: float, best: float) -> dict:
        return {"size": size, "seed": seed, "auc": auc, "oracle_auc": oracle, "auc_to_oracle": auc / oracle,
                "business_cost_per_client": cost, "oracle_cost_per_client": best, "cost_to_oracle": cost / best,
                "auc_to_oracle_ci95": [0.96, 0.99], "cost_to_oracle_ci95": None, "trees": 150, "depth": 4,
                "minutes": 5.0}

    rows = [world(30_000, 42, 0.78, 0.80, 0.50, 0.48), world(30_000, 1, 0.76, 0.80, 0.52, 0.48),
            world(60_000, 42, 0.79, 0.80, 0.49, 0.48)]
    lines = share_table(rows).splitlines()
    assert lines[2].startswith("| 30,000 | 42 | 0.7800 | 0.8000 | 0.9750 [0.960, 0.990] | 0.5000 | 0.4800 | 1.0417 |")
    # shares 0.975 and 0.950: mean 0.9625, sample sd 0.025 / sqrt(2) = 0.0177
    assert "| **30,000** | **mean** | **0.7700** | **0.8000** | **0.9625** |" in lines[4]
    assert "| **30,000** | **sd** | **0.0141** | **0.0000** | **0.0177** |" in lines[5]
    assert lines[6].startswith("| 60,000 | 42 |") and len(lines) == 7  # one world: no mean or sd row
    params = settings(["train.learning_rate=0.05", "tune.n_trials=6"], 60_000, 7)
    assert (params["generate"]["n_train"], params["base"]["seed"]) == (60_000, 7)
    assert (params["train"]["learning_rate"], params["tune"]["n_trials"]) == (0.05, 6)
    with pytest.raises(SystemExit, match="params.yaml has no train.learning_rat"):
        settings(["train.learning_rat=0.05"], 30_000, 1)


def test_folds_off_in_opposite_directions_pass_pooled_and_fail_fold_by_fold():
    """The battery's test case (two folds off in opposite directions, pooled counts exactly as expected), given to
    the benchmark as the train stage's folds (pairs of row indices) instead of a fold column."""
    import numpy as np
    from benchmarks.calibration_truth import fold_by_fold

    from creditrisk.governance.stats import hosmer_lemeshow
    from tests.unit.governance.test_battery import _opposite_folds

    oof = _opposite_folds()
    y, pd_ = oof.y, oof.pd
    folds = [(np.array([], dtype=int), np.flatnonzero(oof.fold == number)) for number in (1, 2)]
    assert hosmer_lemeshow(y, pd_)[0] == pytest.approx(0.0, abs=1e-9)  # pooled: observed = expected in every group
    # fold by fold: each fold gives sum over g of (4g - 22)^2 / (20g (1 - 0.02g)) = 28.3752; both: 56.7505 on 16 df
    assert fold_by_fold(y, pd_, folds) == pytest.approx(1.8283e-6, rel=1e-3)



def test_session_24_pruning_rules_drop_building_summaries_rare_columns_rank_duplicates_and_monotone_arms(monkeypatch):
    """Session 24's label-free pruning rules and monotone arms (benchmarks/real_applications_variants.py), on columns
    built so that each rule's answer is known: 600 rows, 1 % of them is 6."""
    import numpy as np
    import pandas as pd
    from benchmarks.real_applications import ROOT

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # the script imports its sibling as a top-level module
    from benchmarks.real_applications_variants import building, monotone_arms, not_rare, uncorrelated

    n = 600
    x = np.arange(n, dtype=float)
    age = np.random.default_rng(1).permutation(x)  # unrelated to x
    flags = lambda ones: np.r_[np.ones(ones), np.zeros(n - ones)]  # noqa: E731
    frame = pd.DataFrame({
        "APARTMENTS_AVG": x, "APARTMENTS_MODE": x, "APARTMENTS_MEDI": x, "TOTALAREA_MODE": x,
        "FONDKAPREMONT_MODE": np.where(x < 300, "a", "b"),
        "FIVE_DIFFER": flags(5),  # 0.83 % of the rows differ from the most common value: rare
        "SIX_DIFFER": flags(6),  # exactly 1 %: kept
        "MOSTLY_MISSING": np.r_[np.full(n - 5, np.nan), np.arange(5.0)],  # missing counted as a value: rare
        "AGE": age, "AGE_CUBED_NEGATIVE": -(age ** 3),  # rank correlation -1 with AGE: dropped (the later one)
        "NOISE": np.random.default_rng(0).normal(size=n)})
    columns = list(frame.columns)
    assert building(columns) == [c for c in columns if c not in ("APARTMENTS_MODE", "APARTMENTS_MEDI")]
    assert "APARTMENTS_AVG" not in building(columns, ("MODE", "MEDI", "AVG"))
    assert not_rare(frame, columns) == [c for c in columns if c not in ("FIVE_DIFFER", "MOSTLY_MISSING")]
    kept = uncorrelated(frame, columns, ["FONDKAPREMONT_MODE"])
    # the building's three summaries and TOTALAREA_MODE are the same column as APARTMENTS_AVG; the categorical one
    # is never compared; the 5-value column has fewer than 500 rows beside any other, so it is not compared either
    assert kept == ["APARTMENTS_AVG", "FONDKAPREMONT_MODE", "FIVE_DIFFER", "SIX_DIFFER", "MOSTLY_MISSING", "AGE",
                    "NOISE"]
    # the monotone arms keep only the columns present: the PD never rises with an external score or with age
    # (DAYS_BIRTH is negative: +1), and the loan terms take params.yaml's signs
    arms = monotone_arms(["EXT_SOURCE_2", "DAYS_BIRTH", "AMT_CREDIT", "GOODS_CREDIT_RATIO", "NOISE"])
    assert arms == {"monotone: ext": {"EXT_SOURCE_2": -1}, "monotone: ext + age": {"EXT_SOURCE_2": -1, "DAYS_BIRTH": 1},
                    "monotone: loan": {"AMT_CREDIT": 1, "GOODS_CREDIT_RATIO": -1},
                    "monotone: ext + loan": {"EXT_SOURCE_2": -1, "AMT_CREDIT": 1, "GOODS_CREDIT_RATIO": -1}}
