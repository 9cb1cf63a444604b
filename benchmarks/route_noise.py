"""Where the route's fold-to-fold spread comes from, on the 24,230 real application rows (issue 27): three studies
on the outer 5-fold splits of ``benchmarks/real_applications.py`` (StratifiedKFold, seed = repeat).

- **trees**: would the refit want more trees than the cross-validation chose? Inside each outer training fold, as
  the pipeline does: a holdout of ``train.holdout_size`` set apart, the train stage's cross-validation on the rest
  (trees where the folds' mean log loss is lowest), then one model grown on the whole outer training fold to
  2.5 times that; the outer test fold is scored at 1, 1.25, 1.5, 2 and 2.5 times the chosen trees (AUC; cost at
  1/11 of the raw probability, as the plain CatBoost is judged).
- **refit**: what the refit on every labelled row does to a constrained model and to a free one: the train stage's
  recipe (trees by CV, calibration, threshold) at a fixed shape, then ``refit_on_all``; both models score the test
  fold at the candidate's threshold on the calibrated PD (AUC, cost, mean PD, share refused).
- **seeds**: the plain CatBoost of the issue (depth 6, 1,000 trees at 0.03) with seeds 0, 1 and 2 on the same fold:
  how much of a fold's figure is the seed alone.

The fixed shape (``--depth``, ``--l2``, ``--rsm``): depth 5 and L2 25 as the tune stage chose them in 13 of 15
folds, rsm 0.5 as params.yaml says; the learning rate and constraints are params.yaml's; tuning is left out (route
− fixed shape: −0.0008 ± 0.0019 AUC on these folds). A diagnostic of the route's noise, not a comparison of
recipes: docs/benchmarks.md, "Session 15".

Usage: python benchmarks/route_noise.py --study trees|refit|seeds [--repeats 1] [--first-repeat 0] [--folds 5]
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_applications import (  # noqa: E402
    COSTS,
    fold_parser,
    kernel_frame,
    outcome,
    plain_seeds,
    project_features,
    read_real,
)

from creditrisk.config import load_params  # noqa: E402

MULTIPLES = (1.0, 1.25, 1.5, 2.0, 2.5)


def trees_study(data, frame, train_idx, test_idx, params, shape) -> list[str]:
    from catboost import Pool

    from creditrisk.model.candidate import model_inputs
    from creditrisk.model.data import holdout_split
    from creditrisk.model.training import cross_validate, fit_final, stratified_folds

    settings, seed = params.train, params.base.seed
    outer = model_inputs(data.subset(train_idx), settings.exclude, shape)
    fit_idx, _ = holdout_split(outer.y, settings.holdout_size, seed)
    fit = outer.subset(fit_idx)
    cv = cross_validate(fit.x, fit.y, fit.categorical, shape, settings.imbalance,
                        stratified_folds(fit.y, settings.cv_folds, seed), seed, COSTS, settings.undersample_ratio)
    grown = fit_final(outer.x, outer.y, outer.categorical, shape, settings.imbalance,
                      int(cv.trees * max(MULTIPLES)) + 1, seed, settings.undersample_ratio, 1)
    test = data.subset(test_idx)
    pool = Pool(test.x[outer.features], cat_features=outer.categorical)
    cells = [str(cv.trees)]
    for m in MULTIPLES:
        o = outcome(test.y, grown.predict_proba(pool, ntree_end=int(round(cv.trees * m)))[:, 1],
                    COSTS.bayes_threshold)
        cells += [f"{o['auc']:.4f}", f"{o['cost']:.4f}"]
    return cells


def refit_study(data, frame, train_idx, test_idx, params, shape) -> list[str]:
    from creditrisk.model.candidate import refit_on_all, train_champion
    from creditrisk.model.data import holdout_split

    outer = data.subset(train_idx)
    fit_idx, holdout_idx = holdout_split(outer.y, params.train.holdout_size, params.base.seed)
    test = data.subset(test_idx)
    cells = []
    for monotone in ({}, shape.monotone):
        candidate = train_champion(outer.subset(fit_idx), len(holdout_idx), params,
                                   replace(shape, monotone=monotone)).predictor
        refit = refit_on_all(candidate, outer, params.train.undersample_ratio)
        threshold = candidate.bundle.threshold
        cells.append(str(candidate.bundle.catboost["iterations"]))
        for model in (candidate, refit):
            pd_ = model.predict_proba(test.x)[1]
            o = outcome(test.y, pd_, threshold)
            cells += [f"{o['auc']:.4f}", f"{o['cost']:.4f}", f"{pd_.mean():.4f}", f"{(pd_ >= threshold).mean():.3f}"]
    return cells


def seeds_study(data, frame, train_idx, test_idx, params, shape) -> list[str]:
    runs = plain_seeds(frame, data.y, train_idx, test_idx, 3)["seeds"]
    return [f"{r[k]:.4f}" for r in runs for k in ("auc", "cost")]


STUDIES = {
    "trees": (trees_study, ["trees by CV"] + [f"{k} x{m}" for m in MULTIPLES for k in ("AUC", "cost")]),
    "refit": (refit_study, [f"{arm} {k}" for arm in ("free", "monotone") for k in
                            ["trees"] + [f"{s} {q}" for s in ("candidate", "refit")
                                         for q in ("AUC", "cost", "mean PD", "refused")]]),
    "seeds": (seeds_study, [f"{k} seed {s}" for s in (0, 1, 2) for k in ("AUC", "cost")]),
}


def main() -> None:
    from sklearn.model_selection import StratifiedKFold

    parser = fold_parser(repeats=1)
    parser.add_argument("--study", choices=sorted(STUDIES), required=True)
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--l2", type=float, default=25.0)
    parser.add_argument("--rsm", type=float, default=0.5)
    args = parser.parse_args()
    params = load_params(args.params)
    shape = replace(params.train.catboost, depth=args.depth, l2_leaf_reg=args.l2, rsm=args.rsm)
    data = project_features(read_real(args.real), params)
    frame = kernel_frame(args.real) if args.study == "seeds" else None
    study, head = STUDIES[args.study]
    print(f"| repeat | fold | {' | '.join(head)} | s |\n|" + "---:|" * (len(head) + 3), flush=True)
    for repeat in range(args.first_repeat, args.repeats):
        splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=repeat)
        for fold, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(len(data.y)), data.y), 1):
            start = time.perf_counter()
            cells = study(data, frame, train_idx, test_idx, params, shape)
            print(f"| {repeat} | {fold} | {' | '.join(cells)} | {time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
