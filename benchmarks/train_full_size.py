"""One full-size training with the tuned parameters: 307,511 applicants (80 % fitted), features from the
full-size tables (``generate_full_size.py --workdir DIR`` writes DIR/interim).

Uses the champion's settings from models/champion/bundle.json (imbalance strategy, tuned CatBoost parameters,
iteration count). Prints a table: feature build, CatBoost fit, scoring of the 20 % holdout, AUC on it.
Usage: python benchmarks/train_full_size.py --interim DIR/interim [--bundle models/champion/bundle.json]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np


def main() -> None:
    from catboost import Pool
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from creditrisk.artefacts.bundle import Bundle
    from creditrisk.config import CatBoostParams
    from creditrisk.features import build_features
    from creditrisk.model.training import catboost_model
    from creditrisk.stages.common import load_tables

    parser = argparse.ArgumentParser()
    parser.add_argument("--interim", type=Path, required=True)
    parser.add_argument("--bundle", type=Path, default=Path("models/champion/bundle.json"))
    args = parser.parse_args()
    bundle = Bundle.read(args.bundle.parent)
    rows = []
    start = time.perf_counter()
    tables = load_tables(args.interim)
    labels = tables["application_train"].select("SK_ID_CURR", "TARGET").collect()
    features = build_features({"application": tables.pop("application_train"), **{
        k: v for k, v in tables.items() if k != "application_test"}})
    frame = labels.join(features, on="SK_ID_CURR")
    x = frame.select(bundle.features).to_pandas()
    y = frame["TARGET"].to_numpy()
    rows.append(("build features (307,511 applicants)", time.perf_counter() - start))
    train_idx, test_idx = train_test_split(np.arange(len(y)), test_size=0.2, stratify=y, random_state=42)
    cb = bundle.catboost
    model = catboost_model(CatBoostParams(**cb), bundle.seed, bundle.imbalance_strategy)
    start = time.perf_counter()
    model.fit(Pool(x.iloc[train_idx], y[train_idx], cat_features=bundle.categorical))
    rows.append((f"CatBoost fit ({len(train_idx):,} rows x {x.shape[1]} features, {cb['iterations']} trees, depth "
                 f"{cb['depth']})", time.perf_counter() - start))
    start = time.perf_counter()
    score = model.predict_proba(Pool(x.iloc[test_idx], cat_features=bundle.categorical))[:, 1]
    rows.append((f"score {len(test_idx):,} holdout rows", time.perf_counter() - start))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print("| step | wall time (s) |\n|---|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.0f} |")
    print(f"\nholdout AUC {roc_auc_score(y[test_idx], score):.4f}; peak RSS {peak:.1f} GB")


if __name__ == "__main__":
    main()
