"""How close is each calibration map to the true PD? Synthetic runs only (data/oracle/true_pd.csv).

The train stage's out-of-fold raw scores are kept as they are; the labels are drawn again from the generator's
true PD, ``--draws`` times. For each draw and each method of ``creditrisk.artefacts.calibration.METHODS`` the map
is cross-fitted as the train stage does (same folds), then judged two ways by the validation battery's
Hosmer-Lemeshow test (10 PD groups):
- on the labels it was cross-fitted on, as the battery's out-of-fold test judges it (each fold's map never saw
  that fold's labels, but the other folds' maps did: a map that bends to the sample's pattern looks better here);
- on a fresh draw of labels for the same clients, which no map saw (what a calibrated PD must pass).
Also: the expected log loss under the true PD (lower is closer), and the true PD itself on fresh labels (the
test's own false alarms).

A second table takes the out-of-fold PDs apart by the train stage's folds: the scores of a fold come from its own
CatBoost model, and the battery pools the folds. For each fold of this run: its clients, defaults and PDs (the map
this run chose), its Hosmer-Lemeshow test, and its scores' calibration slope (logistic regression of the defaults
on the logit of the raw score: 1 when the fold's model spreads its scores as the pooled map assumes). Then, over the
draws with the train stage's folds kept (so each fold stays one model's scores), the folds' Hosmer-Lemeshow
statistics summed (chi-square with the summed degrees of freedom) for each map, on the labels the maps were
fitted on and on fresh labels, beside the pooled test on the same draws. ``--fold-models`` grows each fold's model
again and judges it on the holdout too, which none of them saw (``--seeds N``: and with N - 1 other seeds);
``--folds-only`` leaves out everything that needs the true PD (any run's out-of-fold file: the real rows too).

Usage: python benchmarks/calibration_truth.py [--oof models/champion/oof.parquet]
       [--truth data/oracle/true_pd.csv] [--draws 40] [--fold-models [--seeds 3]] [--folds-only]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.artefacts.calibration import METHODS
from creditrisk.config import Params, load_params
from creditrisk.data.schema import KEY
from creditrisk.governance.battery import Sample, by_fold
from creditrisk.governance.stats import calibration_slope, hosmer_lemeshow
from creditrisk.model.calibration import cross_fit
from creditrisk.model.training import fold_numbers, stratified_folds

ROOT = Path(__file__).resolve().parents[1]
HL_GROUPS = 10  # as params.yaml's model_validation.hl_groups


def split(y: np.ndarray, pd_: np.ndarray, folds: list) -> dict:
    """The validation report's out-of-fold PDs fold by fold (``governance.battery.by_fold``) for these folds."""
    return by_fold(Sample("out-of-fold", y, pd_, fold_numbers(folds, len(y))), HL_GROUPS, 0)


def fold_by_fold(y: np.ndarray, pd_: np.ndarray, folds: list) -> float:
    """p-value of the folds' Hosmer-Lemeshow statistics summed (the validation report's information row)."""
    return split(y, pd_, folds)["p_value"]


def print_fold_table(score: np.ndarray, observed: np.ndarray, chosen_pd: np.ndarray, folds: list,
                     true: np.ndarray | None) -> None:
    """Each fold of this run: its clients, defaults, PDs and Hosmer-Lemeshow p (the validation report's figures)
    and its raw scores' calibration slope; with the true PD, the same for the true PD on the fold's rows (what the
    fold's sample alone gives)."""
    from sklearn.metrics import roc_auc_score

    truth = " | true PD: AUC | true PD: slope | true PD: HL p" if true is not None else ""
    print(f"\n| fold | clients | defaults | sum of the PDs | HL p | calibration slope of the raw score{truth} |")
    print("|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|" if truth else ""))
    for (_, idx), f in zip(folds, split(observed, chosen_pd, folds)["folds"], strict=True):
        y = observed[idx]
        row = (f"| {f['fold']} | {f['clients']:,} | {f['defaults']:,} | {f['expected']:.1f} | "
               f"{f['p_value']:.4f} | {calibration_slope(y, score[idx]):.3f} |")
        if true is not None:
            row += (f" {roc_auc_score(y, true[idx]):.4f} | {calibration_slope(y, true[idx]):.3f} | "
                    f"{hosmer_lemeshow(y, true[idx])[2]:.3f} |")
        print(row)


def print_fold_tests(score: np.ndarray, observed: np.ndarray, folds: list, run_pd: dict[str, np.ndarray],
                     true: np.ndarray | None, draws: int) -> None:
    """Each map's pooled and fold-by-fold test on this run's labels (``run_pd``: each map cross-fitted on them);
    with the true PD, their red shares over ``draws`` draws of the labels with the train stage's folds kept."""
    rng = np.random.default_rng(1)
    pooled: dict[str, list[float]] = {m: [] for m in METHODS}
    folded: dict[str, list[float]] = {m: [] for m in METHODS}
    folded_fresh: dict[str, list[float]] = {m: [] for m in METHODS}
    for _ in range(draws):
        y, y_fresh = ((rng.random(len(true)) < true).astype(int) for _ in range(2))
        for method in METHODS:
            pd_ = cross_fit(score, y, folds, method)
            pooled[method].append(hosmer_lemeshow(y, pd_)[2])
            folded[method].append(fold_by_fold(y, pd_, folds))
            folded_fresh[method].append(fold_by_fold(y_fresh, pd_, folds))
    drawn = " | draws, folds kept: pooled red | fold by fold red | fold by fold red on fresh labels" if draws else ""
    print(f"\n| map | this run: pooled HL p | this run: fold by fold HL p{drawn} |")
    print("|---|---:|---:" + ("|---:|---:|---:|" if drawn else "|"))
    for method, pd_ in run_pd.items():
        shares = "".join(f" {np.mean(np.array(d[method]) < 0.01):.0%} |" for d in (pooled, folded, folded_fresh)
                         if d[method])
        print(f"| {method} | {hosmer_lemeshow(observed, pd_)[2]:.4f} | {fold_by_fold(observed, pd_, folds):.2g} |"
              + shares)


def print_fold_models(params: Params, folds: list, seeds: int) -> None:
    """Each fold's model grown again (the champion's shape and trees, this checkout's features): its calibration
    slope and AUC on its own fold and on the holdout, which none of them saw (the model apart from the sample);
    then its slope on its fold when only the seed changes (``seeds`` - 1 more seeds: 1, 2...)."""
    import json
    from dataclasses import replace

    from catboost import Pool
    from sklearn.metrics import roc_auc_score

    from creditrisk.artefacts.catalogue import Paths
    from creditrisk.model.candidate import model_inputs
    from creditrisk.model.data import split_data
    from creditrisk.model.training import catboost_model

    paths = Paths(ROOT)
    shape = json.loads((paths.model / "bundle.json").read_text())["catboost"]
    settings = replace(params.train.catboost, **{k: shape[k] for k in ("depth", "l2_leaf_reg", "rsm", "learning_rate")})
    train, holdout = split_data(paths.train_features, paths.feature_catalogue, params.train.holdout_size,
                                params.base.seed)
    train, holdout = (model_inputs(d, params.train.exclude, settings) for d in (train, holdout))
    print("\n| fold model | slope on its fold | AUC on its fold | slope on the holdout | AUC on the holdout | "
          "slope on its fold, other seeds |")
    print("|---:|---:|---:|---:|---:|---:|")
    for k, (fit_idx, own_idx) in enumerate(folds, 1):  # the out-of-fold file's rows are the training part's
        slopes, models = [], []
        for seed in (params.base.seed, *range(1, seeds)):
            models.append(catboost_model(settings, seed, params.train.imbalance, shape["iterations"],
                                         list(train.x.columns)))
            models[-1].fit(Pool(train.x.iloc[fit_idx], train.y[fit_idx], cat_features=train.categorical))
            own = models[-1].predict_proba(Pool(train.x.iloc[own_idx], cat_features=train.categorical))[:, 1]
            slopes.append(calibration_slope(train.y[own_idx], own))
        own, held = (models[0].predict_proba(Pool(x, cat_features=train.categorical))[:, 1]
                     for x in (train.x.iloc[own_idx], holdout.x))
        print(f"| {k} | {slopes[0]:.3f} | {roc_auc_score(train.y[own_idx], own):.4f} | "
              f"{calibration_slope(holdout.y, held):.3f} | {roc_auc_score(holdout.y, held):.4f} | "
              f"{', '.join(f'{s:.3f}' for s in slopes[1:]) or '-'} |")


def print_truth_table(score: np.ndarray, true: np.ndarray, observed: np.ndarray, run_pd: dict[str, np.ndarray],
                      folds_n: int, seed: int, draws: int) -> None:
    """The first table: each map cross-fitted on labels drawn from the true PD, judged on them and on fresh ones."""
    rng = np.random.default_rng(0)
    same: dict[str, list[float]] = {m: [] for m in METHODS}
    fresh: dict[str, list[float]] = {m: [] for m in METHODS}
    loss: dict[str, list[float]] = {m: [] for m in METHODS}
    truth: list[float] = []
    for _ in range(draws):
        y, y_fresh = ((rng.random(len(true)) < true).astype(int) for _ in range(2))
        folds = stratified_folds(y, folds_n, seed)
        truth.append(hosmer_lemeshow(y_fresh, true)[2])
        for method in METHODS:
            pd_ = cross_fit(score, y, folds, method)
            same[method].append(hosmer_lemeshow(y, pd_)[2])
            fresh[method].append(hosmer_lemeshow(y_fresh, pd_)[2])
            loss[method].append(-np.mean(true * np.log(pd_) + (1 - true) * np.log(1 - pd_)))
    print(f"{len(true)} clients, {folds_n} folds, {draws} draws of the labels from the true PD\n")
    print("| map | HL p on this run's labels | draws: red on their own labels | red on fresh labels | amber or red on "
          "fresh labels | median p on fresh labels | expected log loss under the true PD |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for method in METHODS:
        own, new = np.array(same[method]), np.array(fresh[method])
        p_run = hosmer_lemeshow(observed, run_pd[method])[2]
        print(f"| {method} | {p_run:.4f} | {np.mean(own < 0.01):.0%} | {np.mean(new < 0.01):.0%} | "
              f"{np.mean(new < 0.05):.0%} | {np.median(new):.3f} | {np.mean(loss[method]):.5f} |")
    truth_p = np.array(truth)
    print(f"| the true PD itself | {hosmer_lemeshow(observed, true)[2]:.4f} | - | {np.mean(truth_p < 0.01):.0%} | "
          f"{np.mean(truth_p < 0.05):.0%} | {np.median(truth_p):.3f} | "
          f"{-np.mean(true * np.log(true) + (1 - true) * np.log(1 - true)):.5f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--oof", type=Path, default=ROOT / "models" / "champion" / "oof.parquet")
    parser.add_argument("--truth", type=Path, default=ROOT / "data" / "oracle" / "true_pd.csv")
    parser.add_argument("--folds", type=int, default=None, help="default: params.yaml train.cv_folds")
    parser.add_argument("--draws", type=int, default=40)
    parser.add_argument("--fold-models", action="store_true",
                        help="also grow each fold's model again and judge it on the holdout (this checkout's run)")
    parser.add_argument("--seeds", type=int, default=1, help="with --fold-models: grow each also with seeds 1..N-1")
    parser.add_argument("--folds-only", action="store_true",
                        help="only the fold-by-fold tables, from this run's labels (any run: the real rows too)")
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml")
    folds_n, seed = args.folds or params.train.cv_folds, params.base.seed
    scored = pd.read_parquet(args.oof)
    score, observed = scored["score"].to_numpy(), scored["TARGET"].to_numpy()
    folds = stratified_folds(observed, folds_n, seed)  # the train stage's folds
    run_pd = {method: cross_fit(score, observed, folds, method) for method in METHODS}
    true = None
    if not args.folds_only:
        true = scored.merge(pd.read_csv(args.truth), on=KEY, validate="one_to_one")["TRUE_PD"].to_numpy()
        print_truth_table(score, true, observed, run_pd, folds_n, seed, args.draws)
    print_fold_table(score, observed, scored["pd"].to_numpy(), folds, true)
    print_fold_tests(score, observed, folds, run_pd, true, args.draws if true is not None else 0)
    if args.fold_models:
        print_fold_models(params, folds, args.seeds)


if __name__ == "__main__":
    main()
