"""Does the synthetic world carry the real world's signal? Real vs synthetic at the same size, and the history gain.

Part 1 (issue 30), real vs synthetic at the real sample's size (24,230 applicants), in one run:
- the plain CatBoost of issue 27 (depth 6, 1,000 iterations, learning rate 0.03, application columns plus the public
  kernel's ratios), 5-fold CV (StratifiedKFold, seed 0): AUC mean ± sd in each world (goal: synthetic within ±0.01);
- its feature importances (PredictionValuesChange, mean over the folds): Spearman rank correlation between the two
  worlds over the real top 15 (goal >= 0.7);
- pairwise Spearman correlations of the 30 numeric application columns the real model uses most (DAYS_EMPLOYED's
  365243 as missing, pairwise complete): mean absolute difference (goal <= 0.03);
- annuity/income, payment rate (annuity/credit), credit/goods price: 1st, 50th, 99th percentiles (goal: within 10 %).
Part 2: N applicants (100,000 by default) with their history: the same CatBoost on application columns only and with
generic history aggregates, one stratified 80/20 split (goal: history adds +0.015 to +0.035 AUC), the true PD's AUC
(the oracle) and the model with history as a share of it (goal >= 0.98).

``--before-src DIR`` also runs both parts on another checkout's generator (e.g. a git worktree of the commit
before a change): the before/after table of one run.
Usage: python benchmarks/synthetic_signal.py [--n-train 100000] [--before-src /tmp/before/src] [--skip-history]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_applications import REAL, kernel_frame  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOP_FEATURES, MAIN_COLUMNS = 15, 30
RATIOS = {"annuity / income": ("AMT_ANNUITY", "AMT_INCOME_TOTAL"), "payment rate": ("AMT_ANNUITY", "AMT_CREDIT"),
          "credit / goods price": ("AMT_CREDIT", "AMT_GOODS_PRICE")}
PERCENTILES = (1, 50, 99)


def generate_with(src: Path, n_train: int, n_test: int, seed: int, out: Path) -> float:
    """Generate with the generator of ``src`` (a checkout's src/ folder) in its own process; seconds taken."""
    code = ("import sys; from pathlib import Path; from creditrisk.data.synthetic.generator import generate; "
            f"s = generate({n_train}, {n_test}, {seed}, Path(r'{out}') / 'data', Path(r'{out}') / 'oracle'); "
            "print(s.seconds)")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(src)}, check=True,
                          capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def cross_validate(frame: pd.DataFrame, y: np.ndarray, folds: int) -> tuple[list[float], pd.Series]:
    """The plain CatBoost in ``folds``-fold CV: fold AUCs and the mean feature importance."""
    from catboost import CatBoostClassifier, Pool
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    categorical = [c for c in frame.columns if frame[c].dtype == object]
    aucs, importances = [], []
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=0).split(frame, y):
        model = CatBoostClassifier(depth=6, iterations=1000, learning_rate=0.03, random_seed=0, verbose=False,
                                   allow_writing_files=False, thread_count=2)
        model.fit(Pool(frame.iloc[train_idx], y[train_idx], cat_features=categorical))
        score = model.predict_proba(Pool(frame.iloc[test_idx], cat_features=categorical))[:, 1]
        aucs.append(float(roc_auc_score(y[test_idx], score)))
        importances.append(pd.Series(model.get_feature_importance(), index=frame.columns))
    return aucs, pd.concat(importances, axis=1).mean(axis=1)


def world(path: Path, folds: int) -> dict:
    """Everything part 1 compares, for one application_train file."""
    raw = pd.read_csv(path)
    frame = kernel_frame(path)
    aucs, importance = cross_validate(frame, raw["TARGET"].to_numpy(), folds)
    numeric = raw.drop(columns=["SK_ID_CURR", "TARGET"]).select_dtypes("number")
    numeric["DAYS_EMPLOYED"] = numeric["DAYS_EMPLOYED"].replace(365243, np.nan)
    ratios = {name: (raw[a] / raw[b]).replace([np.inf, -np.inf], np.nan).dropna() for name, (a, b) in RATIOS.items()}
    return {"aucs": aucs, "importance": importance, "numeric": numeric,
            "percentiles": {name: np.percentile(values, PERCENTILES) for name, values in ratios.items()}}


def compare(real: dict, synthetic: dict) -> dict:
    from scipy.stats import spearmanr

    top = real["importance"].sort_values(ascending=False).index[:TOP_FEATURES]
    rank_corr = float(spearmanr(real["importance"][top], synthetic["importance"][top]).statistic)
    main = [c for c in real["importance"].sort_values(ascending=False).index
            if c in real["numeric"].columns and real["numeric"][c].nunique() > 2][:MAIN_COLUMNS]
    corr_real = real["numeric"][main].corr(method="spearman").to_numpy()
    corr_syn = synthetic["numeric"][main].corr(method="spearman").to_numpy()
    upper = np.triu_indices(len(main), k=1)
    gap = np.abs(corr_real - corr_syn)[upper]
    ratio_gaps = {name: np.abs(synthetic["percentiles"][name] / real["percentiles"][name] - 1)
                  for name in RATIOS}
    return {"auc_gap": float(np.mean(synthetic["aucs"]) - np.mean(real["aucs"])), "rank_corr": rank_corr,
            "corr_gap": float(np.nanmean(gap)), "corr_gap_max": float(np.nanmax(gap)), "ratio_gaps": ratio_gaps}


def fidelity_rows(label: str, synthetic: dict, cmp: dict) -> list[str]:
    auc = f"{np.mean(synthetic['aucs']):.3f} ± {np.std(synthetic['aucs'], ddof=1):.3f}"
    ratios = "; ".join(f"{name} {' / '.join(f'{v:.3f}' for v in synthetic['percentiles'][name])} "
                       f"(worst {100 * cmp['ratio_gaps'][name].max():.0f} %)" for name in RATIOS)
    return [f"| {label} | {auc} ({cmp['auc_gap']:+.3f}) | {cmp['rank_corr']:.2f} | {cmp['corr_gap']:.3f} "
            f"(max {cmp['corr_gap_max']:.2f}) | {ratios} |"]


def history_part(work: Path, iterations: int, seed: int) -> dict:
    """CatBoost on application columns only vs with history aggregates, on one 80/20 split; the oracle."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from creditrisk.data.synthetic.generator import TRUE_PD_FILE

    app = pl.read_csv(work / "data" / "application_train.csv", infer_schema_length=50_000)
    oracle = pl.read_csv(work / "oracle" / TRUE_PD_FILE)
    hist = history_features(work / "data")
    full = app.join(hist, on="SK_ID_CURR", how="left").join(oracle.select("SK_ID_CURR", "TRUE_PD"), on="SK_ID_CURR")
    target = full["TARGET"].to_numpy()
    cat_cols = [c for c, t in app.schema.items() if t == pl.Utf8]
    base = full.drop("SK_ID_CURR", "TARGET", "TRUE_PD").with_columns(
        [pl.col(c).fill_null("__NA__") for c in cat_cols]).to_pandas()
    app_only = base[[c for c in app.columns if c not in ("SK_ID_CURR", "TARGET")]]
    train_idx, test_idx = train_test_split(np.arange(len(target)), test_size=0.2, stratify=target, random_state=seed)
    out = {"holdout": len(test_idx)}
    for name, frame in (("application", app_only), ("history", base)):
        out[name] = fit_auc(frame, target, cat_cols, train_idx, test_idx, iterations, seed)
    out["oracle"] = float(roc_auc_score(target[test_idx], full["TRUE_PD"].to_numpy()[test_idx]))
    return out


def history_features(data: Path) -> pl.DataFrame:
    """A small, generic set of per-applicant aggregates (what a first feature pass would build)."""
    inst = pl.scan_csv(data / "installments_payments.csv").with_columns(
        late=(pl.col("DAYS_ENTRY_PAYMENT") > pl.col("DAYS_INSTALMENT")).cast(pl.Float64),
        dpd=(pl.col("DAYS_ENTRY_PAYMENT") - pl.col("DAYS_INSTALMENT")).clip(lower_bound=0),
        short=(pl.col("AMT_PAYMENT") < pl.col("AMT_INSTALMENT")).cast(pl.Float64))
    inst = inst.group_by("SK_ID_CURR").agg(INST_LATE_MEAN=pl.col("late").mean(), INST_DPD_MAX=pl.col("dpd").max(),
                                           INST_DPD_MEAN=pl.col("dpd").mean(), INST_SHORT_MEAN=pl.col("short").mean(),
                                           INST_COUNT=pl.len())
    bureau = pl.scan_csv(data / "bureau.csv")
    bb = pl.scan_csv(data / "bureau_balance.csv").with_columns(
        status=pl.col("STATUS").replace_strict({"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}, default=0,
                                               return_dtype=pl.Int64))
    bb = bb.group_by("SK_ID_BUREAU").agg(BB_STATUS_MAX=pl.col("status").max(),
                                         BB_LATE_SHARE=(pl.col("status") > 0).mean())
    bureau = bureau.join(bb, on="SK_ID_BUREAU", how="left").group_by("SK_ID_CURR").agg(
        BUREAU_COUNT=pl.len(), BUREAU_ACTIVE=(pl.col("CREDIT_ACTIVE") == "Active").sum(),
        BUREAU_OVERDUE_SUM=pl.col("AMT_CREDIT_SUM_OVERDUE").sum(), BUREAU_DAY_OVERDUE_MAX=pl.col(
            "CREDIT_DAY_OVERDUE").max(), BB_STATUS_MAX=pl.col("BB_STATUS_MAX").max(),
        BB_LATE_SHARE=pl.col("BB_LATE_SHARE").mean())
    prev = pl.scan_csv(data / "previous_application.csv").group_by("SK_ID_CURR").agg(
        PREV_COUNT=pl.len(), PREV_REFUSED=(pl.col("NAME_CONTRACT_STATUS") == "Refused").sum(),
        PREV_REFUSED_SHARE=(pl.col("NAME_CONTRACT_STATUS") == "Refused").mean())
    cc = pl.scan_csv(data / "credit_card_balance.csv").with_columns(
        util=pl.when(pl.col("AMT_CREDIT_LIMIT_ACTUAL") > 0)
        .then(pl.col("AMT_BALANCE") / pl.col("AMT_CREDIT_LIMIT_ACTUAL"))).group_by("SK_ID_CURR").agg(
        CC_UTIL_MEAN=pl.col("util").mean(), CC_UTIL_MAX=pl.col("util").max(), CC_DPD_MAX=pl.col("SK_DPD").max())
    pos = pl.scan_csv(data / "POS_CASH_balance.csv").group_by("SK_ID_CURR").agg(
        POS_DPD_DEF_MAX=pl.col("SK_DPD_DEF").max(), POS_DPD_MEAN=pl.col("SK_DPD").mean())
    features = inst
    for other in (bureau, prev, cc, pos):
        features = features.join(other, on="SK_ID_CURR", how="full", coalesce=True)
    return features.collect()


def fit_auc(frame, target, cat_cols, train_idx, test_idx, iterations: int, seed: int) -> float:
    from catboost import CatBoostClassifier, Pool
    from sklearn.metrics import roc_auc_score

    model = CatBoostClassifier(iterations=iterations, learning_rate=0.06, depth=6, random_seed=seed, verbose=False,
                               allow_writing_files=False, thread_count=2)
    model.fit(Pool(frame.iloc[train_idx], target[train_idx], cat_features=cat_cols))
    return float(roc_auc_score(target[test_idx], model.predict_proba(Pool(frame.iloc[test_idx],
                                                                          cat_features=cat_cols))[:, 1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REAL)
    parser.add_argument("--n-train", type=int, default=100_000, help="applicants of part 2")
    parser.add_argument("--iterations", type=int, default=600, help="CatBoost iterations of part 2")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--before-src", type=Path, help="another checkout's src/ to compare with (before)")
    parser.add_argument("--skip-history", action="store_true", help="part 1 only")
    parser.add_argument("--skip-fidelity", action="store_true", help="part 2 only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="signal-"))
    generators = {"after (this checkout)": ROOT / "src"}
    if args.before_src:
        generators = {"before": args.before_src, **generators}
    size = sum(1 for _ in args.real.open()) - 1
    if not args.skip_fidelity:
        start = time.perf_counter()
        real = world(args.real, args.folds)
        print(f"Part 1: real vs synthetic at {size:,} applicants, plain CatBoost, {args.folds}-fold CV "
              f"({time.perf_counter() - start:.0f} s per world)\n")
        print("| world | CV AUC (gap to real) | top-15 importance Spearman | main columns' Spearman gap (mean) | "
              "ratios: 1st / 50th / 99th percentile |")
        print("|---|---|---:|---:|---|")
        ratios = "; ".join(f"{name} {' / '.join(f'{v:.3f}' for v in real['percentiles'][name])}" for name in RATIOS)
        print(f"| real | {np.mean(real['aucs']):.3f} ± {np.std(real['aucs'], ddof=1):.3f} | 1 | 0 | {ratios} |")
    history = {}
    for label, src in generators.items():
        out = work / label.split()[0]
        if not args.skip_fidelity:
            generate_with(src, size, 1_000, args.seed, out / "same-size")
            synthetic = world(out / "same-size" / "data" / "application_train.csv", args.folds)
            print("\n".join(fidelity_rows(f"synthetic, {label}", synthetic, compare(real, synthetic))), flush=True)
        if not args.skip_history:
            seconds = generate_with(src, args.n_train, 1_000, args.seed, out / "history")
            history[label] = {**history_part(out / "history", args.iterations, args.seed), "seconds": seconds}
    if history:
        print(f"\nPart 2: {args.n_train:,} train applicants with their history (holdout 20 %), CatBoost "
              f"{args.iterations} iterations, learning rate 0.06\n")
        print("| generator | application only | + history | history adds | true PD (oracle) | "
              "with history / oracle | generation (s) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, h in history.items():
            print(f"| {label} | {h['application']:.4f} | {h['history']:.4f} | {h['history'] - h['application']:+.4f} "
                  f"| {h['oracle']:.4f} | {h['history'] / h['oracle']:.3f} | {h['seconds']:.0f} |")
        print("\nGoals: CV AUC within ±0.01 of real; importance Spearman >= 0.7; Spearman gap <= 0.03; ratio "
              "percentiles within 10 %; history adds +0.015 to +0.035; with history >= 0.98 of the oracle.")


if __name__ == "__main__":
    main()
