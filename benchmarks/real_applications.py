"""Does the champion route beat a plain CatBoost on real rows? Repeated, paired 5-fold CV on the 24,230 real
application rows of ../shared/home-credit/real-applications (issue 27).

Arms, all scored on the same outer folds (``--repeats`` x ``--folds``, StratifiedKFold with seed = repeat):

- **route**: what the pipeline does with params.yaml, inside each outer training fold T: a stratified holdout of
  ``train.holdout_size`` is set apart; the tune stage's Optuna study (``tune.n_trials`` trials, ``tune.folds`` folds,
  ``tune.learning_rate``) on the rest; the train stage's cross-validation (trees by CV, honest out-of-fold scores,
  calibration, threshold) and its final bag of models; then, as model_validation does after the gate, the recipe
  refitted on all of T (``train.refit``). The served model (the refit) scores the outer test fold, at its own
  threshold on the calibrated PD.
- **route, holdout kept out**: the same candidate before the refit (what the refit buys).
- **route at the Bayes threshold** (``route_bayes``): the served model's PDs refused from fp / (fp + fn) = 1/11,
  the threshold a calibrated PD implies, instead of the one searched on the out-of-fold cost curve.
- **plain CatBoost**: the issue's twenty lines: the raw application columns plus the public kernel's seven ratios
  (DAYS_EMPLOYED 365243 as missing), depth 6, 1,000 trees, learning rate 0.03, native categorical columns, no early
  stopping, refuse at 1/11 of its probability. With ``--plain-seeds N``, its figures on a fold are the mean of N
  such models (seeds 0 to N − 1): the seed alone moves a fold's AUC by about 0.003 (docs/benchmarks.md, "Session 15").
- **plain CatBoost without the excluded attributes** (``plain_excl``): the same twenty lines without the columns the
  project never gives its model (``train.exclude``: CODE_GENDER), i.e. with the information the route has.
- **logistic regression**: the project's application features, median imputation, scaling, one-hot categories,
  C by inner 3-fold CV (log loss), refuse at the cost-optimal threshold of its inner out-of-fold scores.
- **scorecard**: the project's challenger (optbinning, monotone bins), its threshold from its out-of-fold PDs.

The route uses the project's own feature builder on the application columns (the features stage's groups,
``features.groups``); no history rows come with these applicants. Prints a per-fold table, the paired differences
(each arm minus the plain CatBoost, or minus ``--baseline``) with their mean, standard deviation and corrected
interval, and the route's trees, depth and rows.

Usage: python benchmarks/real_applications.py [--repeats 3] [--first-repeat 0] [--folds 5]
       [--arms route plain logistic scorecard] [--plain-seeds 1] [--params FILE] [--out FILE]
       [--baseline plain] [--table FILE ...]

``--table`` runs nothing: it prints the table of runs written by ``--out``, other arms on the same folds side by
side or the parts of one run (``--first-repeat``) put back together (an arm two runs share must agree on every
fold). The runs behind docs/benchmarks.md's tables are in ``benchmarks/results/real_applications/``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.config import CostParams, Params, load_params
from creditrisk.data.schema import KEY
from creditrisk.model.data import ModelData

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "home-credit" / "real-applications" / "application_train_sample.csv"
COSTS = CostParams(10, 1)
ARMS = ("route", "route_no_refit", "route_bayes", "plain", "plain_excl", "logistic", "scorecard")


def read_real(path: Path):
    """The real rows with the project's contract dtypes (as ingestion reads application_train)."""
    import polars as pl

    from creditrisk.data import schema

    table = schema.table("application_train")
    return pl.read_csv(path, schema_overrides=schema.polars_schema(table)).select(table.column_names)


def project_features(app, params: Params) -> ModelData:
    """The features stage's application features (candidate groups of params features.groups), constant and
    duplicate columns dropped (as the features stage does, without labels)."""
    from creditrisk.features import build_features, catalogue
    from creditrisk.features.selection import find_useless_columns

    wanted = [f.name for f in catalogue() if f.table == "application"
              and (f.group == "base" or f.group in params.features.groups)]
    frame = build_features({"application": app}, columns=wanted)
    useless = find_useless_columns(frame, wanted)
    kept = [c for c in wanted if c not in useless]
    categorical = [f.name for f in catalogue() if f.categorical and f.name in kept]
    return ModelData(frame[KEY].to_numpy(), frame.select(kept).to_pandas(), app["TARGET"].to_numpy().astype(int),
                     categorical)


def kernel_frame(path: Path) -> pd.DataFrame:
    """The plain CatBoost's inputs exactly as the issue's twenty lines build them (pandas' own reading of the
    file, the ratios appended in this order): raw application columns plus the public kernel's ratios. Column
    order and dtypes change CatBoost's random choices (about 0.003 of AUC per fold), so the baseline is rebuilt
    the way it was measured (5-fold CV, seed 0: AUC 0.742 ± 0.006, cost 0.544 at 1/11)."""
    df = pd.read_csv(path).drop(columns=[KEY, "TARGET"])
    df["DAYS_EMPLOYED"] = df["DAYS_EMPLOYED"].replace(365243, np.nan)
    df["DAYS_EMPLOYED_PERC"] = df.DAYS_EMPLOYED / df.DAYS_BIRTH
    df["INCOME_CREDIT_PERC"] = df.AMT_INCOME_TOTAL / df.AMT_CREDIT
    df["INCOME_PER_PERSON"] = df.AMT_INCOME_TOTAL / df.CNT_FAM_MEMBERS
    df["ANNUITY_INCOME_PERC"] = df.AMT_ANNUITY / df.AMT_INCOME_TOTAL
    df["PAYMENT_RATE"] = df.AMT_ANNUITY / df.AMT_CREDIT
    df["CREDIT_GOODS"] = df.AMT_CREDIT / df.AMT_GOODS_PRICE
    ext = df[["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]]
    df["EXT_MEAN"], df["EXT_PROD"], df["EXT_STD"] = ext.mean(axis=1), ext.prod(axis=1, min_count=3), ext.std(axis=1)
    categorical = [c for c in df.columns if df[c].dtype == object]
    df[categorical] = df[categorical].fillna("__NA__")
    return df


def outcome(y: np.ndarray, score: np.ndarray, threshold: float) -> dict:
    from sklearn.metrics import roc_auc_score

    from creditrisk.model.cost import confusion, cost_per_client

    return {"auc": float(roc_auc_score(y, score)), "cost": cost_per_client(confusion(y, score >= threshold), COSTS)}


def route(data: ModelData, train_idx: np.ndarray, test_idx: np.ndarray, params: Params) -> dict:
    """The pipeline's tune, train and refit on the outer training fold; both models score the test fold."""
    from creditrisk.governance.stats import calibration_slope
    from creditrisk.model.candidate import refit_on_all, train_champion, without_excluded
    from creditrisk.model.data import holdout_split
    from creditrisk.model.training import stratified_folds
    from creditrisk.model.tuning import search_settings, tune

    outer = data.subset(train_idx)
    fit_idx, holdout_idx = holdout_split(outer.y, params.train.holdout_size, params.base.seed)
    candidate_rows = without_excluded(outer.subset(fit_idx), params.train.exclude)
    search = search_settings(params.train.catboost, params.tune.learning_rate)
    study = tune(candidate_rows.x, candidate_rows.y, candidate_rows.categorical, search,
                 stratified_folds(candidate_rows.y, params.tune.folds, params.base.seed), params.base.seed, COSTS,
                 params.tune.n_trials, None, strategy=params.train.imbalance,
                 undersample_ratio=params.train.undersample_ratio)
    tuned = replace(params.train.catboost, **study.best_params)
    candidate = train_champion(outer.subset(fit_idx), len(holdout_idx), params, tuned).predictor
    refit = refit_on_all(candidate, outer, params.train.undersample_ratio)
    test = data.subset(test_idx)
    threshold = candidate.bundle.threshold
    served, unrefitted = refit.predict_proba(test.x)[1], candidate.predict_proba(test.x)[1]
    return {"route": outcome(test.y, served, threshold),
            "route_no_refit": outcome(test.y, unrefitted, threshold),
            "route_bayes": outcome(test.y, served, COSTS.bayes_threshold),
            "shape": {"trees": candidate.bundle.catboost["iterations"], "bag": candidate.bundle.bag,
                      "companion_trees": candidate.bundle.catboost.get("companion", {}).get("iterations"),
                      **study.best_params, "features": len(candidate.bundle.features),
                      "candidate_rows": candidate.bundle.train_rows, "refit_rows": refit.bundle.train_rows,
                      "calibration": candidate.bundle.calibration["method"], "threshold": threshold,
                      # the PDs on the test fold: Cox's slope (1: spread as the outcomes) and their mean
                      "slope": {"refit": calibration_slope(test.y, served),
                                "candidate": calibration_slope(test.y, unrefitted)},
                      "mean_pd": {"refit": float(served.mean()), "candidate": float(unrefitted.mean())}}}


def plain(frame: pd.DataFrame, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray, seed: int = 0) -> dict:
    from catboost import CatBoostClassifier, Pool

    categorical = [c for c in frame.columns if frame[c].dtype == object]
    model = CatBoostClassifier(depth=6, iterations=1000, learning_rate=0.03, random_seed=seed, verbose=False,
                               allow_writing_files=False, thread_count=2)
    model.fit(Pool(frame.iloc[train_idx], y[train_idx], cat_features=categorical))
    score = model.predict_proba(Pool(frame.iloc[test_idx], cat_features=categorical))[:, 1]
    return outcome(y[test_idx], score, COSTS.bayes_threshold)


def plain_seeds(frame: pd.DataFrame, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray,
                seeds: int) -> dict:
    """The plain CatBoost's expected figures on a fold: the mean AUC and cost of ``seeds`` models (seeds 0, 1...),
    each as the issue trains it; with one seed, the issue's figure."""
    runs = [plain(frame, y, train_idx, test_idx, seed) for seed in range(seeds)]
    return {"auc": float(np.mean([r["auc"] for r in runs])), "cost": float(np.mean([r["cost"] for r in runs])),
            "seeds": runs}


def logistic(data: ModelData, train_idx: np.ndarray, test_idx: np.ndarray, seed: int) -> dict:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from creditrisk.model.cost import find_best_threshold
    from creditrisk.model.training import stratified_folds

    x = data.x.replace([np.inf, -np.inf], np.nan)
    numeric = [c for c in x.columns if c not in data.categorical]

    def model():
        prep = ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=20), data.categorical)])
        return make_pipeline(prep, LogisticRegressionCV(Cs=8, cv=3, scoring="neg_log_loss", max_iter=1000,
                                                        random_state=seed))

    xt, yt = x.iloc[train_idx].reset_index(drop=True), data.y[train_idx]
    inner = np.zeros(len(yt))
    for fit_idx, oof_idx in stratified_folds(yt, 3, seed):
        inner[oof_idx] = model().fit(xt.iloc[fit_idx], yt[fit_idx]).predict_proba(xt.iloc[oof_idx])[:, 1]
    threshold = find_best_threshold(yt, inner, COSTS)[0]
    score = model().fit(xt, yt).predict_proba(x.iloc[test_idx])[:, 1]
    return outcome(data.y[test_idx], score, threshold)


def scorecard(data: ModelData, train_idx: np.ndarray, test_idx: np.ndarray, params: Params) -> dict:
    from creditrisk.model.scorecard import train_challenger
    from creditrisk.model.training import stratified_folds

    outer = data.subset(train_idx)
    challenger, _ = train_challenger(outer, stratified_folds(outer.y, params.train.cv_folds, params.base.seed),
                                     COSTS, params.compare.scorecard_candidates, params.compare.scorecard_min_iv)
    test = data.subset(test_idx)
    return outcome(test.y, challenger.predict_pd(test.x), challenger.threshold)


def table(rows: list[dict], arms: list[str], folds: int = 5, baseline: str = "plain") -> str:
    """Per fold, then the mean, the standard deviation over folds (divided by n) and, for each difference with
    the baseline arm (the plain CatBoost unless said), its 95 % corrected resampled t interval
    (``stats.corrected_t_interval``: the folds' training sets overlap, so sd / sqrt(n) would be too narrow)."""
    from creditrisk.governance.stats import corrected_t_interval

    head = ["repeat", "fold"] + [f"AUC {a}" for a in arms] + [f"cost {a}" for a in arms]
    compare = [a for a in arms if a != baseline] if baseline in arms else []
    head += [f"ΔAUC {a}−{baseline}" for a in compare] + [f"Δcost {a}−{baseline}" for a in compare]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for r in rows:
        cells = [str(r["repeat"]), str(r["fold"])] + [f"{r[a]['auc']:.4f}" for a in arms]
        cells += [f"{r[a]['cost']:.4f}" for a in arms]
        cells += [f"{r[a]['auc'] - r[baseline]['auc']:+.4f}" for a in compare]
        cells += [f"{r[a]['cost'] - r[baseline]['cost']:+.4f}" for a in compare]
        lines.append("| " + " | ".join(cells) + " |")
    # the difference columns, in the table's order: every arm's ΔAUC, then every arm's Δcost
    differences = [[r[a][m] - r[baseline][m] for r in rows] for m in ("auc", "cost") for a in compare]
    for name, fn in (("mean", np.mean), ("sd", np.std)):
        cells = [name, ""] + [f"{fn([r[a]['auc'] for r in rows]):.4f}" for a in arms]
        cells += [f"{fn([r[a]['cost'] for r in rows]):.4f}" for a in arms]
        cells += [f"{fn(d):+.4f}" for d in differences]
        lines.append("| " + " | ".join(f"**{c}**" if c else c for c in cells) + " |")
    if compare and len(rows) > 1:
        intervals = [corrected_t_interval(d, 1 / folds) for d in differences]
        cells = ["95 % interval", ""] + [""] * (2 * len(arms)) + [f"[{lo:+.4f}, {hi:+.4f}]" for lo, hi in intervals]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def merge_runs(runs: list[list[dict]]) -> list[dict]:
    """The folds of several runs matched by (repeat, fold): other arms on the same folds side by side, or the parts
    of one run (``--first-repeat``) one after the other. An arm that two runs both measured on a fold must give the
    same AUC there (else the folds are not the same), and every fold must end with the same arms."""
    merged: dict[tuple[int, int], dict] = {}
    for run in runs:
        for row in run:
            key = (row["repeat"], row["fold"])
            into = merged.setdefault(key, {})
            for arm, figures in row.items():
                if arm in ARMS and arm in into and abs(into[arm]["auc"] - figures["auc"]) > 1e-9:
                    raise SystemExit(f"arm {arm} differs between the runs on repeat {key[0]} fold {key[1]}: AUC "
                                     f"{into[arm]['auc']:.6f} against {figures['auc']:.6f}")
                into.setdefault(arm, figures)
    arms = {key: {a for a in row if a in ARMS} for key, row in merged.items()}
    every = set.union(*arms.values())
    for key in sorted(merged):
        if arms[key] != every:
            raise SystemExit(f"repeat {key[0]} fold {key[1]} lacks {sorted(every - arms[key])}: the runs do not "
                             "cover the same folds")
    return [merged[key] for key in sorted(merged)]


def measure(args: argparse.Namespace) -> list[dict]:
    """Every asked arm on every fold of the asked repeats, each fold's figures printed as it ends."""
    from sklearn.model_selection import StratifiedKFold

    params = load_params(args.params)
    app = read_real(args.real)
    data, frame = project_features(app, params), kernel_frame(args.real)
    print(f"{len(data.y):,} real applicants, {data.y.sum():,} defaults ({data.y.mean():.2%}); route: "
          f"{data.x.shape[1]} project features (groups {list(params.features.groups)}); plain: {frame.shape[1]} "
          f"columns; {args.repeats} x {args.folds} folds\n", flush=True)
    rows, start = [], time.perf_counter()
    for repeat in range(args.first_repeat, args.repeats):
        splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=repeat)
        for fold, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(len(data.y)), data.y), 1):
            row = {"repeat": repeat, "fold": fold}
            if "route" in args.arms:
                row |= route(data, train_idx, test_idx, params)
            if "plain" in args.arms:
                row["plain"] = plain_seeds(frame, data.y, train_idx, test_idx, args.plain_seeds)
            if "plain_excl" in args.arms:
                row["plain_excl"] = plain_seeds(frame.drop(columns=list(params.train.exclude)), data.y, train_idx,
                                                test_idx, args.plain_seeds)
            if "logistic" in args.arms:
                row["logistic"] = logistic(data, train_idx, test_idx, params.base.seed)
            if "scorecard" in args.arms:
                row["scorecard"] = scorecard(data, train_idx, test_idx, params)
            rows.append(row)
            print(json.dumps(row, default=float), f"({time.perf_counter() - start:.0f} s)", flush=True)
    print()
    return rows


def fold_parser(repeats: int, parts: bool = True) -> argparse.ArgumentParser:
    """The options every benchmark on the real rows' repeated folds takes (the rows, the params, the repeats, the
    folds; with ``parts``, a run in parts), library warnings and info logs silenced."""
    import logging
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--real", type=Path, default=REAL)
    parser.add_argument("--params", type=Path, default=ROOT / "params.yaml")
    parser.add_argument("--repeats", type=int, default=repeats)
    if parts:
        parser.add_argument("--first-repeat", type=int, default=0,
                            help="skip the repeats before this one (a run in parts)")
    parser.add_argument("--folds", type=int, default=5)
    return parser


def main() -> None:
    parser = fold_parser(repeats=3)
    parser.add_argument("--arms", nargs="+", default=["route", "plain", "logistic", "scorecard"])
    parser.add_argument("--plain-seeds", type=int, default=1,
                        help="the plain CatBoost's figures as the mean of this many seeds (1: the issue's model)")
    parser.add_argument("--out", type=Path, default=None, help="also write every fold's figures as JSON")
    parser.add_argument("--baseline", default="plain", choices=ARMS, help="the arm every difference is taken from")
    parser.add_argument("--table", type=Path, nargs="+", default=None,
                        help="run nothing: the table of runs written by --out (other arms on the same folds side by "
                             "side, or the parts of one run put back together)")
    args = parser.parse_args()
    rows = merge_runs([json.loads(path.read_text()) for path in args.table]) if args.table else measure(args)
    print(table(rows, [a for a in ARMS if a in rows[0]], args.folds, args.baseline))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1, default=float))


if __name__ == "__main__":
    main()
