"""Which candidate feature groups lower the out-of-fold business cost, on the synthetic data and on the real rows?

Candidates (issue 20): the builder's candidate groups (``features.candidate_groups()``: recent instalments, 60/90/
180-day windows, estimated interest rates, EXT_SOURCE_3 interactions) and the out-of-fold default rate of the
nearest neighbours in (EXT_SOURCE_1-3, credit / annuity) space, computed here without leakage (below).

For each data set, every arm is the base feature set plus one candidate, scored by the same 5 stratified folds and
the same CatBoost settings (fixed, no tuning, so that only the features differ). The out-of-fold business cost per
client (FN 10, FP 1) is taken at the threshold that minimises it over the pooled out-of-fold scores of that arm;
the per-fold costs at that threshold give the paired differences. A placebo arm (the base plus one column of
random numbers) shows how far the cost moves by chance alone when the feature set changes: on both data sets it
was cheaper than the base (2026-12-02). So a candidate is kept only when its pooled cost is lower than the base's
and the placebo's, on both data sets.

Neighbours without leakage: in each outer fold, the held-out rows get the default rate of their k nearest training
rows; the training rows get it from an inner 5-fold split of the training part (never their own label). Scaling
and imputation are fitted on the training part only.

Usage: python benchmarks/feature_candidates.py [--data synthetic real] [--folds 5] [--interim data/interim]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.config import CatBoostParams, CostParams
from creditrisk.data.schema import KEY

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "home-credit" / "real-sample"
APPLICATIONS = SAMPLE.parent / "real-applications" / "application_train_sample.csv"
CATBOOST = CatBoostParams(iterations=400, learning_rate=0.06, depth=6)
COSTS = CostParams(10, 1)
NEIGHBOURS = "neighbour_default_rate"
PLACEBO = "placebo"  # one column of random numbers: how much the cost moves when nothing is added


def load(interim: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Every feature of the builder (candidates included) for the training applicants of typed tables."""
    from creditrisk.features import build_features
    from creditrisk.stages.common import load_tables

    tables = load_tables(interim)
    train = tables.pop("application_train").collect()
    tables.pop("application_test")
    features = build_features({"application": train.lazy(), **tables}).to_pandas()
    return features.drop(columns=[KEY]), train["TARGET"].to_numpy().astype(int)


def load_applications(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The 24,230 real application rows (no history): every feature of the builder, history ones empty."""
    from real_applications import read_real

    from creditrisk.features import build_features

    app = read_real(path)
    features = build_features({"application": app}).to_pandas()
    return features.drop(columns=[KEY]), app["TARGET"].to_numpy().astype(int)


def load_real(sample: Path) -> tuple[pd.DataFrame, np.ndarray]:
    from creditrisk.data.ingest import ingest

    with tempfile.TemporaryDirectory() as tmp:
        ingest(sample, Path(tmp) / "interim")
        return load(Path(tmp) / "interim")


def neighbour_space(x: pd.DataFrame) -> np.ndarray:
    return x[["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "CREDIT_TERM_MONTHS"]].to_numpy(dtype=float)


def neighbour_rate(fit_points: np.ndarray, fit_y: np.ndarray, points: np.ndarray, k: int) -> np.ndarray:
    """Default rate of the k nearest ``fit_points`` of each point (median imputation and scaling fitted on them)."""
    from sklearn.impute import SimpleImputer
    from sklearn.neighbors import NearestNeighbors
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    prep = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit(fit_points)
    index = NearestNeighbors(n_neighbors=k).fit(prep.transform(fit_points))
    _, nearest = index.kneighbors(prep.transform(points))
    return fit_y[nearest].mean(axis=1)


def with_neighbours(x: pd.DataFrame, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray,
                    k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training part, held-out part) with the neighbour default rate, leakage-free (module docstring)."""
    from creditrisk.model.training import stratified_folds

    points, yt = neighbour_space(x), y[train_idx]
    inner = np.zeros(len(train_idx))
    for fit_idx, oof_idx in stratified_folds(yt, 5, seed=7):
        inner[oof_idx] = neighbour_rate(points[train_idx][fit_idx], yt[fit_idx], points[train_idx][oof_idx], k)
    held_out = neighbour_rate(points[train_idx], yt, points[test_idx], k)
    return (x.iloc[train_idx].assign(**{NEIGHBOURS: inner}), x.iloc[test_idx].assign(**{NEIGHBOURS: held_out}))


def oof_scores(x: pd.DataFrame, y: np.ndarray, columns: list[str], categorical: list[str], folds,
               neighbours: int = 0) -> np.ndarray:
    from catboost import Pool

    from creditrisk.model.training import catboost_model

    cats = [c for c in categorical if c in columns]
    score = np.zeros(len(y))
    for train_idx, test_idx in folds:
        if neighbours:
            train, test = with_neighbours(x, y, train_idx, test_idx, neighbours)
            used = [*columns, NEIGHBOURS]
        else:
            train, test, used = x.iloc[train_idx], x.iloc[test_idx], columns
        model = catboost_model(CATBOOST, seed=0, strategy="none")
        model.fit(Pool(train[used], y[train_idx], cat_features=cats))
        score[test_idx] = model.predict_proba(Pool(test[used], cat_features=cats))[:, 1]
    return score


def judge(y: np.ndarray, score: np.ndarray, folds) -> dict:
    """Pooled out-of-fold AUC and cost (at the pooled best threshold), and each fold's cost at that threshold."""
    from sklearn.metrics import roc_auc_score

    from creditrisk.model.cost import confusion, cost_per_client, find_best_threshold

    threshold = find_best_threshold(y, score, COSTS)[0]
    per_fold = [cost_per_client(confusion(y[t], score[t] >= threshold), COSTS) for _, t in folds]
    return {"auc": float(roc_auc_score(y, score)),
            "cost": cost_per_client(confusion(y, score >= threshold), COSTS), "folds": per_fold}


def compare(name: str, x: pd.DataFrame, y: np.ndarray, n_folds: int) -> dict[str, dict]:
    from creditrisk.features import candidate_groups, catalogue
    from creditrisk.model.training import stratified_folds

    entries = catalogue()
    categorical = [f.name for f in entries if f.categorical]
    base = [f.name for f in entries if f.group == "base"]
    folds = stratified_folds(y, n_folds, seed=42)
    arms = {"base": base} | {g: base + [f.name for f in entries if f.group == g] for g in candidate_groups()}
    results = {}
    x = x.assign(**{PLACEBO: np.random.default_rng(0).random(len(x))})
    for arm, columns in [*arms.items(), (NEIGHBOURS, base), (PLACEBO, [*base, PLACEBO])]:
        started = time.perf_counter()
        k = min(100, len(y) // 30) if arm == NEIGHBOURS else 0
        results[arm] = judge(y, oof_scores(x, y, columns, categorical, folds, neighbours=k), folds)
        print(f"{name}: {arm} done in {time.perf_counter() - started:.0f} s "
              f"(AUC {results[arm]['auc']:.4f}, cost {results[arm]['cost']:.4f})", flush=True)
    return results


def table(name: str, n: int, defaults: int, results: dict[str, dict]) -> None:
    base = results["base"]
    n_folds = len(base["folds"])
    print(f"\n{name}: {n} applicants, {defaults} defaults; {n_folds} folds\n")
    print("| arm | OOF AUC | OOF cost | cost - base | " + " | ".join(f"fold {i + 1}" for i in range(n_folds))
          + " | folds cheaper |")
    print("|---|---:|---:|---:|" + "---:|" * n_folds + "---:|")
    for arm, r in results.items():
        diffs = [a - b for a, b in zip(r["folds"], base["folds"], strict=True)]
        cells = " | ".join(f"{d:+.4f}" for d in diffs) if arm != "base" else " | ".join(f"{c:.4f}" for c in r["folds"])
        cheaper = f"{sum(d < 0 for d in diffs)}/{n_folds}" if arm != "base" else ""
        delta = f"{r['cost'] - base['cost']:+.4f}" if arm != "base" else ""
        print(f"| {arm} | {r['auc']:.4f} | {r['cost']:.4f} | {delta} | {cells} | {cheaper} |")


def main() -> None:
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", nargs="+", default=["synthetic", "applications"],
                        choices=["synthetic", "real", "applications"],
                        help="real: the real sample of the eight files; applications: the 24,230 real application rows")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--interim", type=Path, default=Path("data/interim"), help="typed synthetic tables "
                        "(dvc repro writes them)")
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args()
    everything = {}
    for name in args.data:
        loaders = {"synthetic": lambda: load(args.interim), "real": lambda: load_real(args.sample),
                   "applications": lambda: load_applications(APPLICATIONS)}
        x, y = loaders[name]()
        everything[name] = (len(y), int(y.sum()), compare(name, x, y, args.folds))
    for name, (n, defaults, results) in everything.items():
        table(name, n, defaults, results)
    if len(everything) == 2:
        (_, _, syn), (_, _, real) = everything.values()
        kept = [arm for arm in syn if arm not in ("base", PLACEBO)
                and all(results[arm]["cost"] < min(results["base"]["cost"], results[PLACEBO]["cost"])
                        for results in (syn, real))]
        print(f"\nkept (cheaper than the base and the placebo on both data sets): {kept or 'none'}")


if __name__ == "__main__":
    main()
