"""Can the real rows tell the synthetic world's free fit from one that keeps the lender's rule (issue 29)?

The true PD's application part is an additive model fitted on real rows (``creditrisk.data.synthetic.fit``). Its
loan terms' shapes rise then fall; ``--rising-loan-terms`` makes them non-decreasing (each replaced by its weighted
isotonic fit), a world where borrowing less at the same term never raises the true PD. Repeated, paired 5-fold CV on
the 24,230 real application rows of ../shared/home-credit/real-applications: on each training fold the free fit,
and the same fit with its loan terms made non-decreasing (the two differ by nothing else); each arm's intercept gives
the training fold's default rate; the test fold is scored by both (AUC, log loss).

Prints the per-fold table and the paired differences (rising minus free): mean, standard deviation, folds where
rising is higher.

Usage: python benchmarks/rising_world.py [--repeats 2] [--folds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_applications import REAL  # noqa: E402

from creditrisk.data.synthetic.fit import fit_application_pd, rising_loan_terms  # noqa: E402
from creditrisk.data.synthetic.risk import application_logit_from, pd_inputs  # noqa: E402


def pd_at_rate(params: dict, train: pd.DataFrame, test: pd.DataFrame, rate: float) -> np.ndarray:
    """The test rows' PDs, the intercept shifted so that the training rows' mean PD is ``rate``."""
    def logit(frame: pd.DataFrame) -> np.ndarray:
        return application_logit_from(params, *pd_inputs({c: frame[c].to_numpy() for c in frame.columns}))

    fitted = logit(train)
    shift = brentq(lambda c: expit(fitted + c).mean() - rate, -10, 10)
    return expit(logit(test) + shift)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    frame = pd.read_csv(REAL)
    y = frame["TARGET"].to_numpy()
    rows = []
    for repeat in range(args.repeats):
        splits = StratifiedKFold(args.folds, shuffle=True, random_state=repeat).split(frame, y)
        for fold, (train_idx, test_idx) in enumerate(splits, 1):
            start = time.perf_counter()
            train, test = frame.iloc[train_idx].reset_index(drop=True), frame.iloc[test_idx].reset_index(drop=True)
            free = fit_application_pd(train)
            rising = free | {"numbers": rising_loan_terms(free["numbers"], pd_inputs(train.to_dict("series"))[0])}
            arms = {"free": free, "rising": rising}
            row = {"repeat": repeat + 1, "fold": fold}
            for name, params in arms.items():
                pd_ = pd_at_rate(params, train, test, y[train_idx].mean())
                row |= {f"auc_{name}": roc_auc_score(y[test_idx], pd_), f"logloss_{name}": log_loss(y[test_idx], pd_)}
            rows.append(row | {"seconds": round(time.perf_counter() - start)})
            print(f"repeat {repeat + 1} fold {fold}: AUC {row['auc_free']:.4f} / {row['auc_rising']:.4f}, "
                  f"log loss {row['logloss_free']:.4f} / {row['logloss_rising']:.4f}", flush=True)
    table = pd.DataFrame(rows)
    print("\n| repeat | fold | AUC free | AUC rising | log loss free | log loss rising | Δ AUC | Δ log loss |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in table.itertuples():
        print(f"| {r.repeat} | {r.fold} | {r.auc_free:.4f} | {r.auc_rising:.4f} | {r.logloss_free:.4f} | "
              f"{r.logloss_rising:.4f} | {r.auc_rising - r.auc_free:+.4f} | {r.logloss_rising - r.logloss_free:+.4f} |")
    for metric in ("auc", "logloss"):
        diff = table[f"{metric}_rising"] - table[f"{metric}_free"]
        print(f"{metric}: free {table[f'{metric}_free'].mean():.4f}, rising {table[f'{metric}_rising'].mean():.4f}, "
              f"rising − free {diff.mean():+.4f} ± {diff.std():.4f} (rising higher in {(diff > 0).sum()} of "
              f"{len(diff)})")


if __name__ == "__main__":
    main()
