"""Where is the gap between the model and the oracle? One synthetic world (a project folder after `dvc repro`).

The true PD is INTERCEPT + a weighted application logit (an additive shape per application column, fitted on real
rows) + a weighted history logit (late and short instalments, bureau arrears, refusals, card utilisation, POS
arrears): ``creditrisk.data.synthetic.risk``. On the pipeline's split (params.yaml's seed and holdout size), one
CatBoost of a fixed shape (depth 5, L2 25, rsm 0.5, ``--trees`` trees at learning rate 0.05; no tuning, no
calibration: AUC only) is trained on the pipeline's features, then on the features plus the true history logit's
inputs (``history signals``, computed from the raw history rows as the generator does), plus the history logit
itself, plus the application logit itself, plus both logits; two seeds each. The share of the oracle's holdout AUC
that each reaches says which part of the true PD the model misses: what a feature could add (the history signals)
and what only more rows could (the application shape, learned from the training rows). The arm ``features, averaged
with stumps`` asks whether an additive model helps learn that shape: the features' model averaged on the logit with
1,000 CatBoost trees of depth 1 at learning rate 0.1 (one shape per column, no interaction), as
benchmarks/real_applications_variants.py measures it on the real rows. ``--arms`` runs some of the arms only.

Usage: python benchmarks/oracle_ceiling.py [--root .] [--trees 600] [--seeds 0 1] [--arms NAME ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from real_applications_variants import SHAPE, STUMPS

from creditrisk.artefacts.catalogue import Paths
from creditrisk.config import load_params
from creditrisk.data.schema import KEY
from creditrisk.data.synthetic import risk
from creditrisk.data.synthetic.generator import TRUE_PD_FILE
from creditrisk.model.data import holdout_split, load_training_data

HISTORY = ("installments_payments", "bureau", "previous_application", "credit_card_balance", "POS_CASH_balance")


def generator_tables(interim: Path, ids: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """The ingested history rows as the generator holds them: column arrays plus ``_app``, the applicant's row."""
    position = pd.Series(np.arange(len(ids)), index=ids)
    frames = {name: pd.read_parquet(interim / f"{name}.parquet") for name in HISTORY}
    balance = pd.read_parquet(interim / "bureau_balance.parquet")
    frames["bureau_balance"] = balance.merge(frames["bureau"][["SK_ID_BUREAU", KEY]], on="SK_ID_BUREAU")
    tables = {}
    for name, frame in frames.items():
        frame = frame[frame[KEY].isin(position.index)]
        tables[name] = {c: frame[c].to_numpy() for c in frame.columns} | {"_app": position[frame[KEY]].to_numpy()}
    return tables


def main() -> None:
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--trees", type=int, default=600)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--arms", nargs="+", default=None, help="the arms to run (default: every one)")
    args = parser.parse_args()
    paths, params = Paths(args.root), load_params(args.root / "params.yaml")
    data = load_training_data(paths.train_features, paths.feature_catalogue)
    truth = pd.read_csv(paths.oracle / TRUE_PD_FILE).set_index(KEY).loc[data.ids, "TRUE_PD"].to_numpy()
    app = pd.read_parquet(paths.interim / "application_train.parquet").set_index(KEY).loc[data.ids]
    columns = {c: app[c].to_numpy() for c in app.columns}
    signals = risk.history_signals(generator_tables(paths.interim, data.ids), len(data.ids))
    history, application = risk._history_logit(signals, columns), risk.app_logit_centred(columns)
    rebuilt = risk.sigmoid(risk.true_logit(application, history))
    if not np.allclose(rebuilt, truth):
        raise SystemExit(f"the true PD rebuilt from {paths.interim} differs from {paths.oracle / TRUE_PD_FILE} "
                         f"(largest gap {np.abs(rebuilt - truth).max():.2e}): another generator made this data")
    train, holdout = holdout_split(data.y, params.train.holdout_size, params.base.seed)
    y = data.y
    oracle = roc_auc_score(y[holdout], truth[holdout])
    extra = {"history signals": pd.DataFrame({k: np.asarray(v, float) for k, v in signals.items()}),
             "history logit": pd.DataFrame({"TRUE_HISTORY_LOGIT": history}),
             "application logit": pd.DataFrame({"TRUE_APPLICATION_LOGIT": application})}
    arms = {"features": [], "features, averaged with stumps": [], "+ history signals": ["history signals"],
            "+ history logit": ["history logit"], "+ application logit": ["application logit"],
            "+ both logits": ["history logit", "application logit"]}
    print(f"{len(train):,} training and {len(holdout):,} holdout applicants; oracle holdout AUC {oracle:.4f}; "
          f"depth 5, L2 25, rsm 0.5, {args.trees} trees at 0.05; seeds {args.seeds}\n")
    print("| features | AUC per seed | mean AUC | share of the oracle |\n|---|---:|---:|---:|")
    for arm in args.arms or list(arms):
        x = pd.concat([data.x.reset_index(drop=True)] + [extra[p] for p in arms[arm]], axis=1)
        aucs = []
        for seed in args.seeds:
            logit = raw_logit(SHAPE | {"iterations": args.trees}, seed, x, y, train, holdout, data.categorical)
            if arm == "features, averaged with stumps":
                logit = (logit + raw_logit(STUMPS, seed, x, y, train, holdout, data.categorical)) / 2
            aucs.append(roc_auc_score(y[holdout], logit))
        print(f"| {arm} | {', '.join(f'{a:.4f}' for a in aucs)} | {np.mean(aucs):.4f} | "
              f"{np.mean(aucs) / oracle:.4f} |", flush=True)


def raw_logit(shape: dict, seed: int, x: pd.DataFrame, y: np.ndarray, train: np.ndarray, holdout: np.ndarray,
              categorical: list[str]) -> np.ndarray:
    """The holdout's log-odds from one CatBoost of this shape trained on the training rows."""
    from catboost import CatBoostClassifier

    model = CatBoostClassifier(**shape, random_seed=seed, verbose=0, thread_count=-1, cat_features=categorical,
                               allow_writing_files=False)
    model.fit(x.iloc[train], y[train])
    return model.predict(x.iloc[holdout], prediction_type="RawFormulaVal")


if __name__ == "__main__":
    main()
