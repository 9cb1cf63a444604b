"""What do monotone constraints on the loan-term features cost on real rows, and what do they buy an adviser who
negotiates? Repeated, paired 5-fold CV on the 24,230 real application rows of ../shared/home-credit/real-applications
(issue 29).

Arms, trained on the same outer training folds with the train stage's recipe (``train_champion``: trees by CV,
calibration, threshold, bag of ``train.bag``) at fixed tree shapes (``--depth``, ``--l2``, ``--rsm``; the tune stage's
choice on these rows in docs/benchmarks.md):

- **free**: no constraint;
- **monotone**: ``MONOTONE_LOAN_TERMS`` (each loan-term feature in the sign it has as a function of the credit at
  equal term), or params.yaml ``train.monotone`` when it is set; trained, as the train stage does, without the
  loan-term features that have no sign (``UNSIGNED_LOAN_TERMS``).

Each arm scores the outer test fold (AUC; cost per client at its own threshold on the calibrated PD) and, for the
first ``--clients`` test applicants of each fold, two negotiations an adviser makes, each on a grid of 15 steps
from the request down to 30 % of it:
- **amount**: borrow less for a cheaper purchase at the same term (credit, instalment and price scaled together);
- **down payment**: the client pays part of the price (credit and instalment scaled, the price unchanged).
A client "never rises" when the PD never goes up from one step to the next (by more than 1e-9).

Prints the per-fold table, the paired differences (monotone minus free) with their mean and standard deviation,
and the shares of clients whose PD never rises along each negotiation, per arm.

Usage: python benchmarks/monotone_terms.py [--repeats 2] [--folds 5] [--clients 100]
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_applications import fold_parser, outcome, project_features, read_real  # noqa: E402

from creditrisk.config import load_params  # noqa: E402
from creditrisk.data.schema import KEY  # noqa: E402
from creditrisk.model.training import MONOTONE_LOAN_TERMS  # noqa: E402

SCALES = np.linspace(1.0, 0.3, 15)
TERMS = ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE")


def negotiated(app: pl.DataFrame, lever: str) -> pl.DataFrame:
    """Every applicant of ``app`` at every step of ``SCALES`` (step-major), credit and instalment scaled; the price
    too for ``amount``."""
    scaled = ("AMT_CREDIT", "AMT_ANNUITY") + (("AMT_GOODS_PRICE",) if lever == "amount" else ())
    app = app.sort(KEY)  # one key per applicant and step (the step in the high digits), then back in that order
    return pl.concat([app.with_columns([pl.col(c) * s for c in scaled] + [pl.col(KEY) + step * 10_000_000])
                      for step, s in enumerate(SCALES)])


def never_rises(pd_: np.ndarray, clients: int) -> np.ndarray:
    """Per client: True when its PD never goes up from one step of the grid to the next."""
    grid = pd_.reshape(len(SCALES), clients)
    return np.all(np.diff(grid, axis=0) <= 1e-9, axis=0)


def not_higher_at_70(pd_: np.ndarray, clients: int) -> np.ndarray:
    """Per client: True when its PD with 30 % less is not above its PD as requested (the issue's one comparison)."""
    grid = pd_.reshape(len(SCALES), clients)
    return grid[int(np.argmin(np.abs(SCALES - 0.7)))] <= grid[0] + 1e-9


def main() -> None:
    from sklearn.model_selection import StratifiedKFold

    from creditrisk.features import build_features
    from creditrisk.model.candidate import train_champion

    parser = fold_parser(repeats=2, parts=False)
    parser.add_argument("--clients", type=int, default=100, help="test applicants per fold whose PD is followed")
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--l2", type=float, default=25.4)
    parser.add_argument("--rsm", type=float, default=0.81)
    parser.add_argument("--out", type=Path, default=None, help="also write every fold's figures as JSON")
    args = parser.parse_args()
    params = load_params(args.params)
    app = read_real(args.real)
    data = project_features(app, params)
    columns = list(data.x.columns)
    monotone = params.train.monotone or MONOTONE_LOAN_TERMS
    arms = {"free": replace(params.train.catboost, monotone={}),
            "monotone": replace(params.train.catboost, monotone=monotone)}
    arms = {k: replace(v, depth=args.depth, l2_leaf_reg=args.l2, rsm=args.rsm) for k, v in arms.items()}
    constrained = {f: s for f, s in monotone.items() if f in columns}
    print(f"{len(data.y):,} real applicants, {data.y.sum():,} defaults; {len(columns)} features; constrained: "
          f"{constrained}; {args.repeats} x {args.folds} folds, {args.clients} clients followed per fold\n", flush=True)
    rows, start = [], time.perf_counter()
    for repeat in range(args.repeats):
        splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=repeat)
        for fold, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(len(data.y)), data.y), 1):
            followed = app.filter(pl.col(KEY).is_in(data.ids[test_idx[:args.clients]].tolist()))
            grids = {lever: build_features({"application": negotiated(followed, lever)}, columns=columns)
                     .sort(KEY).select(columns).to_pandas() for lever in ("amount", "down_payment")}
            first, last = grids["amount"].iloc[:len(followed)], grids["amount"].iloc[-len(followed):]
            moved = sorted(c for c in columns if not first[c].reset_index(drop=True).equals(
                last[c].reset_index(drop=True)))
            row = {"repeat": repeat, "fold": fold, "moved_by_amount": moved}
            test = data.subset(test_idx)
            for arm, catboost in arms.items():
                predictor = train_champion(data.subset(train_idx), 0, replace(params, train=replace(
                    params.train, **{f: getattr(catboost, f) for f in ("depth", "l2_leaf_reg", "rsm", "monotone")})),
                    catboost).predictor
                row[arm] = outcome(test.y, predictor.predict_proba(test.x)[1], predictor.bundle.threshold)
                for lever, grid in grids.items():
                    pd_ = predictor.predict_proba(grid)[1]
                    row[arm][f"never_rises_{lever}"] = int(never_rises(pd_, len(followed)).sum())
                    row[arm][f"not_higher_at_70_{lever}"] = int(not_higher_at_70(pd_, len(followed)).sum())
                row[arm]["followed"] = len(followed)
                row[arm]["trees"] = predictor.bundle.catboost["iterations"]
            rows.append(row)
            print(json.dumps(row, default=float), f"({time.perf_counter() - start:.0f} s)", flush=True)
    print("\n" + table(rows))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1, default=float))


def table(rows: list[dict]) -> str:
    lines = ["| | AUC | cost / client | PD never rises, amount | PD never rises, down payment | PD not higher "
             "with 30 % less, amount | same, down payment |", "|---|---:|---:|---:|---:|---:|---:|"]
    followed = sum(r["free"]["followed"] for r in rows)
    for arm in ("free", "monotone"):
        auc = np.array([r[arm]["auc"] for r in rows])
        cost = np.array([r[arm]["cost"] for r in rows])
        shares = [sum(r[arm][f"{what}_{lever}"] for r in rows) / followed
                  for what in ("never_rises", "not_higher_at_70") for lever in ("amount", "down_payment")]
        lines.append(f"| {arm} | {auc.mean():.4f} ({auc.std(ddof=1):.4f}) | {cost.mean():.4f} ({cost.std(ddof=1):.4f}) "
                     + "".join(f"| {share:.1%} " for share in shares) + "|")
    d_auc = np.array([r["monotone"]["auc"] - r["free"]["auc"] for r in rows])
    d_cost = np.array([r["monotone"]["cost"] - r["free"]["cost"] for r in rows])
    lines.append(f"\nPaired, monotone minus free over {len(rows)} folds ({followed} clients followed): "
                 f"ΔAUC {d_auc.mean():+.4f} ± {d_auc.std(ddof=1):.4f} (higher in {(d_auc > 0).sum()}), "
                 f"Δcost {d_cost.mean():+.4f} ± {d_cost.std(ddof=1):.4f} (lower in {(d_cost < 0).sum()})")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
