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

Usage: python benchmarks/calibration_truth.py [--oof models/champion/oof.parquet]
       [--truth data/oracle/true_pd.csv] [--draws 40]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.artefacts.calibration import METHODS
from creditrisk.config import load_params
from creditrisk.data.schema import KEY
from creditrisk.governance.stats import hosmer_lemeshow
from creditrisk.model.calibration import cross_fit
from creditrisk.model.training import stratified_folds

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--oof", type=Path, default=ROOT / "models" / "champion" / "oof.parquet")
    parser.add_argument("--truth", type=Path, default=ROOT / "data" / "oracle" / "true_pd.csv")
    parser.add_argument("--folds", type=int, default=None, help="default: params.yaml train.cv_folds")
    parser.add_argument("--draws", type=int, default=40)
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml")
    folds_n, seed = args.folds or params.train.cv_folds, params.base.seed
    scored = pd.read_parquet(args.oof).merge(pd.read_csv(args.truth), on=KEY, validate="one_to_one")
    score, true = scored["score"].to_numpy(), scored["TRUE_PD"].to_numpy()
    rng = np.random.default_rng(0)
    same: dict[str, list[float]] = {m: [] for m in METHODS}
    fresh: dict[str, list[float]] = {m: [] for m in METHODS}
    loss: dict[str, list[float]] = {m: [] for m in METHODS}
    truth: list[float] = []
    for _ in range(args.draws):
        y, y_fresh = ((rng.random(len(true)) < true).astype(int) for _ in range(2))
        folds = stratified_folds(y, folds_n, seed)
        truth.append(hosmer_lemeshow(y_fresh, true)[2])
        for method in METHODS:
            pd_ = cross_fit(score, y, folds, method)
            same[method].append(hosmer_lemeshow(y, pd_)[2])
            fresh[method].append(hosmer_lemeshow(y_fresh, pd_)[2])
            loss[method].append(-np.mean(true * np.log(pd_) + (1 - true) * np.log(1 - pd_)))
    observed = scored["TARGET"].to_numpy()
    folds = stratified_folds(observed, folds_n, seed)
    print(f"{len(true)} clients, {folds_n} folds, {args.draws} draws of the labels from the true PD\n")
    print("| map | HL p on this run's labels | draws: red on their own labels | red on fresh labels | amber or red on "
          "fresh labels | median p on fresh labels | expected log loss under the true PD |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for method in METHODS:
        own, new = np.array(same[method]), np.array(fresh[method])
        p_run = hosmer_lemeshow(observed, cross_fit(score, observed, folds, method))[2]
        print(f"| {method} | {p_run:.4f} | {np.mean(own < 0.01):.0%} | {np.mean(new < 0.01):.0%} | "
              f"{np.mean(new < 0.05):.0%} | {np.median(new):.3f} | {np.mean(loss[method]):.5f} |")
    truth_p = np.array(truth)
    print(f"| the true PD itself | {hosmer_lemeshow(observed, true)[2]:.4f} | - | {np.mean(truth_p < 0.01):.0%} | "
          f"{np.mean(truth_p < 0.05):.0%} | {np.median(truth_p):.3f} | "
          f"{-np.mean(true * np.log(true) + (1 - true) * np.log(1 - true)):.5f} |")


if __name__ == "__main__":
    main()
