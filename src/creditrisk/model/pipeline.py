"""Train and evaluate stages of the PD model (entry points in pipelines/train.py and pipelines/evaluate.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from creditrisk.config import Params, Paths
from creditrisk.io import atomic_path, write_json
from creditrisk.model.cost import CostParams
from creditrisk.model.data import ModelData, holdout_split, load_training_data
from creditrisk.model.training import (
    Calibrator,
    CatBoostParams,
    CVResult,
    brier,
    cross_validate,
    score_oof,
    stratified_folds,
    undersample,
)

log = logging.getLogger(__name__)

BUNDLE = "bundle.json"
MODEL = "model.cbm"
OOF = "oof.parquet"


BEST_PARAMS = "best_params.json"
STUDY = "study.journal"


def catboost_params(params: Params, tuned: dict | None = None) -> CatBoostParams:
    """params.yaml's CatBoost settings, overridden by the tuned ones when the tune stage found some."""
    t = params.train
    base = CatBoostParams(iterations=t.iterations, learning_rate=t.learning_rate, depth=t.depth,
                          l2_leaf_reg=t.l2_leaf_reg, early_stopping_rounds=t.early_stopping_rounds,
                          task_type=t.task_type)
    return replace(base, **(tuned or {}))


def _setup_key(train: ModelData, params: Params, paths: Paths) -> str:
    """What makes tuning trials comparable: the data (feature file bytes), training rows, folds, costs and fixed
    CatBoost settings. Another setup starts another study in the same journal."""
    ids = hashlib.sha256(np.ascontiguousarray(train.ids).tobytes()).hexdigest()
    data = hashlib.sha256((paths.features / "train.parquet").read_bytes()).hexdigest()
    setup = {"ids": ids, "data": data, "features": train.features, "folds": params.train.cv_folds,
             "seed": params.base.seed,
             "costs": asdict(params.cost), "iterations": params.train.iterations,
             "early_stopping": params.train.early_stopping_rounds}
    return hashlib.sha256(json.dumps(setup, sort_keys=True).encode()).hexdigest()[:12]


def run_tune(params: Params, paths: Paths) -> dict:
    """Optuna study on the training part (resumed from models/tuning/study.journal); best parameters saved."""
    from creditrisk.model.tuning import tune

    costs = CostParams(params.cost.fn_cost, params.cost.fp_cost)
    train, _ = split_data(params, paths)
    folds = stratified_folds(train.y, params.train.cv_folds, params.base.seed)
    paths.tuning.mkdir(parents=True, exist_ok=True)
    setup = _setup_key(train, params, paths)
    study = tune(train.x, train.y, train.categorical, catboost_params(params), folds, params.base.seed, costs,
                 params.tune.n_trials, params.tune.timeout, paths.tuning / STUDY, setup=setup)
    trials = [{"number": t.number, "state": t.state.name, "cost_per_client": t.value, "params": t.params,
               "cv_auc": t.user_attrs.get("cv_auc"), "best_iterations": t.user_attrs.get("best_iterations")}
              for t in study.trials]
    report = {"study": study.study_name, "best_params": study.best_params, "best_cost_per_client": study.best_value,
              "best_trial": study.best_trial.number, "trials": trials,
              "objective": "CV business cost per client at the best out-of-fold threshold (no class weights)"}
    write_json(paths.tuning / BEST_PARAMS, study.best_params)
    write_json(paths.reports / "tuning.json", report)
    from creditrisk.model import tracking

    tracking.configure(paths.root)
    tracking.log_tuning(report)
    log.info("tuning: best cost per client %.4f with %s (%d trials)", study.best_value, study.best_params,
             len(trials))
    return report


def tuned_params(paths: Paths) -> dict | None:
    path = paths.tuning / BEST_PARAMS
    return json.loads(path.read_text()) if path.exists() else None


def split_data(params: Params, paths: Paths) -> tuple[ModelData, ModelData]:
    data = load_training_data(paths.features / "train.parquet", paths.reports / "feature_catalogue.json")
    train_idx, holdout_idx = holdout_split(data.y, params.train.holdout_size, params.base.seed)
    return data.subset(train_idx), data.subset(holdout_idx)


def refuse_no_one(y: np.ndarray, costs: CostParams) -> dict:
    """The baseline every model must beat: accept everyone, pay for every default."""
    from creditrisk.model.cost import baseline_cost

    return {"strategy": "refuse no one", "cv_cost_per_client": baseline_cost(y, costs) / len(y),
            "cv_normalized_cost": 1.0, "cv_auc": 0.5}


def logistic_baseline(train: ModelData, folds, costs: CostParams, seed: int) -> dict:
    """A standard sklearn pipeline (impute, scale, one-hot) on the same folds, thresholded on the same cost."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in train.features if c not in train.categorical]
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=50), train.categorical)])
    x = train.x.replace([np.inf, -np.inf], np.nan)
    oof = np.zeros(len(train.y))
    for train_idx, valid_idx in folds:
        model = make_pipeline(prep, LogisticRegression(C=0.1, max_iter=300, random_state=seed))
        model.fit(x.iloc[train_idx], train.y[train_idx])
        oof[valid_idx] = model.predict_proba(x.iloc[valid_idx])[:, 1]
    return _baseline_summary("logistic regression", oof, train.y, costs)


def lightgbm_baseline(train: ModelData, folds, costs: CostParams, seed: int) -> dict:
    """LightGBM with the public kernel's settings ("LightGBM with simple features"), same folds and cost."""
    import lightgbm as lgb

    x = train.x.copy()
    for column in train.categorical:
        x[column] = x[column].astype("category")
    oof = np.zeros(len(train.y))
    for train_idx, valid_idx in folds:
        model = lgb.LGBMClassifier(n_estimators=400, learning_rate=0.02, num_leaves=34, colsample_bytree=0.9497,
                                   subsample=0.8715, max_depth=8, reg_alpha=0.0415, reg_lambda=0.0735,
                                   min_split_gain=0.0222, min_child_weight=39.3, random_state=seed, n_jobs=2,
                                   verbose=-1)
        model.fit(x.iloc[train_idx], train.y[train_idx])
        oof[valid_idx] = model.predict_proba(x.iloc[valid_idx])[:, 1]
    return _baseline_summary("LightGBM (kernel settings)", oof, train.y, costs)


def _baseline_summary(name: str, oof: np.ndarray, y: np.ndarray, costs: CostParams) -> dict:
    """A baseline's out-of-fold scores measured exactly like the champion's (cost, threshold, AUC)."""
    return score_oof(CVResult(name, oof, [], []), y, costs).summary()


def fit_final(train: ModelData, params: CatBoostParams, strategy: str, iterations: int, seed: int,
              undersample_ratio: float):
    """The champion: all training rows (resampled if the strategy says so), the CV's typical iteration count."""
    from catboost import Pool

    idx = np.arange(len(train.y))
    if strategy == "undersample":
        idx = undersample(train.y, undersample_ratio, np.random.default_rng([seed, 999]))
    model = params.estimator(seed, strategy, iterations=iterations)
    model.fit(Pool(train.x.iloc[idx], train.y[idx], cat_features=train.categorical))
    return model


def run_train(params: Params, paths: Paths) -> dict:
    """Compare imbalance strategies on CV business cost, fit the champion, calibrate and threshold it on OOF."""
    import polars as pl

    start = time.perf_counter()
    costs = CostParams(params.cost.fn_cost, params.cost.fp_cost)
    train, holdout = split_data(params, paths)
    folds = stratified_folds(train.y, params.train.cv_folds, params.base.seed)
    cb = catboost_params(params, tuned_params(paths))
    results = [cross_validate(train.x, train.y, train.categorical, cb, strategy, folds, params.base.seed, costs,
                              params.train.undersample_ratio) for strategy in params.train.imbalance_strategies]
    best = min(results, key=lambda r: r.cost)
    calibrator = Calibrator.fit(best.oof, train.y)
    calibrated = score_oof(CVResult(best.strategy, calibrator.transform(best.oof), best.fold_auc,
                                    best.best_iterations), train.y, costs)
    baselines = [refuse_no_one(train.y, costs), logistic_baseline(train, folds, costs, params.base.seed),
                 lightgbm_baseline(train, folds, costs, params.base.seed)]
    iterations = int(np.median(best.best_iterations)) + 1
    model = fit_final(train, cb, best.strategy, iterations, params.base.seed, params.train.undersample_ratio)
    bundle = {
        "model_file": MODEL, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "features": train.features, "categorical": train.categorical,
        "threshold": calibrated.threshold, "threshold_on": "calibrated PD",
        "costs": asdict(costs), "calibration": calibrator.to_dict(), "imbalance_strategy": best.strategy,
        "catboost": asdict(cb) | {"iterations": iterations}, "seed": params.base.seed,
        "cv": {"folds": params.train.cv_folds, "auc": calibrated.auc,
               "cost_per_client": calibrated.cost / len(train.y), "normalized_cost": calibrated.normalized_cost,
               "brier_raw": brier(train.y, best.oof), "brier_calibrated": brier(train.y, calibrated.oof)},
        "train_rows": len(train.y), "holdout_rows": len(holdout.y), "data_source": params.data.source,
    }
    with atomic_path(paths.model) as tmp:
        tmp.mkdir(parents=True)
        model.save_model(str(tmp / MODEL))
        (tmp / BUNDLE).write_text(json.dumps(bundle, indent=2) + "\n")
        pl.DataFrame({"SK_ID_CURR": train.ids, "TARGET": train.y, "score": best.oof,
                      "pd": calibrated.oof}).write_parquet(tmp / OOF)
    comparison = {"chosen": best.strategy, "criterion": "CV business cost at the best out-of-fold threshold",
                  "strategies": [r.summary() for r in results], "baselines": baselines,
                  "seconds": time.perf_counter() - start}
    write_json(paths.reports / "model_selection.json", comparison)
    log.info("champion: %s, CV AUC %.4f, CV normalised cost %.4f, threshold %.4f (calibrated PD)", best.strategy,
             calibrated.auc, calibrated.normalized_cost, calibrated.threshold)
    return comparison


def load_bundle(model_dir: Path):
    """The champion model, its metadata (features, threshold, costs) and its calibrator."""
    from catboost import CatBoostClassifier

    bundle = json.loads((Path(model_dir) / BUNDLE).read_text())
    model = CatBoostClassifier()
    model.load_model(str(Path(model_dir) / bundle["model_file"]))
    return model, bundle, Calibrator.from_dict(bundle["calibration"])


def features_read(model) -> set[str]:
    """Names of the features a CatBoost model's trees read; no other feature can change a prediction or a SHAP value.

    Read from the model's JSON export: the float features of the float splits, the categorical features of the
    one-hot splits, and every categorical feature of the model's CTRs (all of them, even a CTR that no kept
    split uses: a superset is safe). A model this does not understand counts as reading every feature.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.json"
        model.save_model(str(path), format="json")
        spec = json.loads(path.read_text())
    info = spec.get("features_info", {})
    floats = {f["feature_index"]: f["feature_id"] for f in info.get("float_features", [])}
    cats = {f["feature_index"]: f["feature_id"] for f in info.get("categorical_features", [])}
    everything = set(model.feature_names_)
    if "oblivious_trees" not in spec:  # non-symmetric trees export another layout
        return everything
    read = set()
    for tree in spec["oblivious_trees"]:
        for split in tree["splits"]:
            kind = split["split_type"]
            if kind == "FloatFeature":
                read.add(floats[split["float_feature_index"]])
            elif kind == "OneHotFeature":
                read.add(cats[split["cat_feature_index"]])
            elif kind != "OnlineCtr":
                return everything
    for ctr in info.get("ctrs", []):
        for element in ctr["elements"]:
            if "cat_feature_index" in element:
                read.add(cats[element["cat_feature_index"]])
            if "float_feature_index" in element:
                read.add(floats[element["float_feature_index"]])
    return read


def predict_pd(model, bundle: dict, calibrator: Calibrator, x) -> tuple[np.ndarray, np.ndarray]:
    """(raw score, calibrated PD) of feature rows, with the columns the model was trained on."""
    from catboost import Pool

    raw = model.predict_proba(Pool(x[bundle["features"]], cat_features=bundle["categorical"]))[:, 1]
    return raw, calibrator.transform(raw)


# ------------------------------------------------------------------------------------------------ evaluation
def _bootstrap(y: np.ndarray, pd_: np.ndarray, threshold: float, costs: CostParams, n: int, seed: int,
               oof: tuple[np.ndarray, np.ndarray]) -> dict:
    """95 % intervals: AUC and cost per client on resampled holdout rows; threshold on resampled OOF rows."""
    from sklearn.metrics import roc_auc_score

    from creditrisk.model.cost import confusion, cost_per_client, find_best_threshold

    rng = np.random.default_rng(seed)
    aucs, cost, thresholds = [], [], []
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        if 0 < y[idx].sum() < len(idx):
            aucs.append(roc_auc_score(y[idx], pd_[idx]))
        cost.append(cost_per_client(confusion(y[idx], pd_[idx] >= threshold), costs))
        j = rng.integers(0, len(oof[0]), len(oof[0]))
        thresholds.append(find_best_threshold(oof[0][j], oof[1][j], costs)[0])
    def interval(values):
        return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]
    return {"auc_ci95": interval(aucs), "business_cost_per_client_ci95": interval(cost),
            "threshold_ci95": interval(thresholds), "bootstrap_resamples": n}


def _oracle(paths: Paths, ids: np.ndarray, y: np.ndarray, costs: CostParams) -> dict:
    """Best achievable figures from the true PD of synthetic applicants (absent for real data)."""
    import polars as pl
    from sklearn.metrics import roc_auc_score

    from creditrisk.model.cost import confusion, cost_per_client
    from creditrisk.synthetic.generator import TRUE_PD_FILE

    path = paths.oracle / TRUE_PD_FILE
    if not path.exists():
        return {}
    truth = pl.read_csv(path).select("SK_ID_CURR", "TRUE_PD")
    true_pd = pl.DataFrame({"SK_ID_CURR": ids}).join(truth, on="SK_ID_CURR", how="left")["TRUE_PD"].to_numpy()
    decision = true_pd >= costs.bayes_threshold  # Bayes-optimal decision for the business cost
    return {"oracle_auc": float(roc_auc_score(y, true_pd)),
            "oracle_cost_per_client": cost_per_client(confusion(y, decision), costs),
            "oracle_brier": brier(y, true_pd)}


def _shap_importance(model, bundle: dict, x, rows: int, seed: int) -> list[dict]:
    """Global importance: mean |SHAP| (CatBoost's native values) over a sample of holdout rows."""
    from catboost import Pool

    sample = x.sample(n=min(rows, len(x)), random_state=seed)
    shap = model.get_feature_importance(Pool(sample[bundle["features"]], cat_features=bundle["categorical"]),
                                        type="ShapValues")[:, :-1]
    mean_abs = np.abs(shap).mean(axis=0)
    order = np.argsort(-mean_abs)
    return [{"feature": bundle["features"][i], "mean_abs_shap": float(mean_abs[i])} for i in order]


def _plots(paths: Paths, curve: list[dict], reliability: list[dict], sensitivity: list[dict],
           importance: list[dict], threshold: float) -> None:
    """DVC plot data (JSON) and readable PNGs, colour-blind-safe and readable without colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = paths.reports / "plots"
    for name, rows in (("cost_vs_threshold", curve), ("reliability", reliability),
                       ("cost_ratio_sensitivity", sensitivity), ("shap_importance", importance[:30])):
        write_json(out / f"{name}.json", rows)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    axes[0].plot([r["threshold"] for r in curve], [r["cost_per_client"] for r in curve], color="#0072B2")
    axes[0].axvline(threshold, linestyle="--", color="#D55E00", label=f"chosen threshold {threshold:.3f}")
    axes[0].set(xlabel="threshold on calibrated PD", ylabel="business cost per client", title="Cost vs threshold")
    axes[0].legend()
    axes[1].plot([0, max(r["predicted"] for r in reliability)], [0, max(r["predicted"] for r in reliability)],
                 linestyle=":", color="grey", label="perfect calibration")
    axes[1].plot([r["predicted"] for r in reliability], [r["observed"] for r in reliability], marker="o",
                 color="#0072B2", label="holdout deciles")
    axes[1].set(xlabel="mean predicted PD", ylabel="observed default rate", title="Reliability")
    axes[1].legend()
    top = importance[:15][::-1]
    axes[2].barh([r["feature"] for r in top], [r["mean_abs_shap"] for r in top], color="#009E73")
    axes[2].set(xlabel="mean |SHAP| (log-odds)", title="Global importance")
    fig.tight_layout()
    with atomic_path(out / "evaluation.png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def run_evaluate(params: Params, paths: Paths) -> dict:
    """Score the holdout once and write reports/metrics.json (flat, DVC metrics) and the plots."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from creditrisk.model.cost import confusion, cost_curve, cost_per_client, normalized_cost, ratio_sensitivity
    from creditrisk.model.training import reliability_curve

    model, bundle, calibrator = load_bundle(paths.model)
    costs = CostParams(**bundle["costs"])
    _, holdout = split_data(params, paths)
    _, pd_ = predict_pd(model, bundle, calibrator, holdout.x)
    y, threshold = holdout.y, bundle["threshold"]
    matrix = confusion(y, pd_ >= threshold)
    cost = cost_per_client(matrix, costs)
    import polars as pl

    oof = pl.read_parquet(paths.model / OOF)
    metrics = {"auc": float(roc_auc_score(y, pd_)), "pr_auc": float(average_precision_score(y, pd_)),
               "business_cost_per_client": cost,
               "normalized_cost": normalized_cost(cost * len(y), y, costs), "threshold": threshold,
               "brier": brier(y, pd_), "approval_rate": 1 - float(np.mean(pd_ >= threshold)),
               "tn": matrix.tn, "fp": matrix.fp, "fn": matrix.fn, "tp": matrix.tp, "holdout_rows": len(y),
               "default_rate": float(np.mean(y)), "fn_cost": costs.fn_cost, "fp_cost": costs.fp_cost}
    metrics |= _bootstrap(y, pd_, threshold, costs, params.evaluate.bootstrap, params.base.seed,
                          (oof["TARGET"].to_numpy(), oof["pd"].to_numpy()))
    oracle = _oracle(paths, holdout.ids, y, costs)
    if oracle:
        metrics |= oracle | {"auc_to_oracle": metrics["auc"] / oracle["oracle_auc"],
                             "cost_to_oracle": cost / oracle["oracle_cost_per_client"]}
    selection = json.loads((paths.reports / "model_selection.json").read_text())
    for row in selection["baselines"]:
        key = row["strategy"].split(" (")[0].replace(" ", "_").lower()
        metrics[f"baseline_{key}_cv_cost_per_client"] = row["cv_cost_per_client"]
    metrics["champion_cv_cost_per_client"] = bundle["cv"]["cost_per_client"]
    flat = dict(metrics)  # DVC metrics: one flat object, intervals as *_ci95_low / *_ci95_high
    for name in ("auc_ci95", "business_cost_per_client_ci95", "threshold_ci95"):
        low, high = flat.pop(name)
        flat[f"{name.removesuffix('_ci95')}_ci95_low"], flat[f"{name.removesuffix('_ci95')}_ci95_high"] = low, high
    search = cost_curve(y, pd_, costs)
    grid = np.linspace(0, 1, 101)
    curve = [{"threshold": float(t), "cost_per_client": cost_per_client(confusion(y, pd_ >= t), costs)}
             for t in grid]
    flat["holdout_best_threshold_in_hindsight"] = search.threshold
    sensitivity = ratio_sensitivity(oof["TARGET"].to_numpy(), oof["pd"].to_numpy(), list(range(1, 21)))
    importance = _shap_importance(model, bundle, holdout.x, params.evaluate.shap_rows, params.base.seed)
    write_json(paths.reports / "metrics.json", flat)
    from creditrisk.model.fairness import fairness_report

    fairness = fairness_report(holdout.x, y, pd_ >= threshold)
    reliability = reliability_curve(y, pd_)
    write_json(paths.reports / "evaluation_details.json", {
        "reliability": reliability, "cost_ratio_sensitivity": sensitivity,
        "shap_importance": importance[:50], "fairness": fairness})
    _plots(paths, curve, reliability, sensitivity, importance, threshold)
    from creditrisk.model import tracking

    tracking.configure(paths.root)
    registry = tracking.log_champion_run(model, bundle, flat, holdout.x, [
        paths.reports / "metrics.json", paths.reports / "model_selection.json", paths.reports / "plots" /
        "evaluation.png", paths.reports / "evaluation_details.json"])
    write_json(paths.reports / "registry.json", registry)
    from creditrisk.io import write_text
    from creditrisk.model.card import render_model_card

    catalogue = json.loads((paths.reports / "feature_catalogue.json").read_text())
    labels = {f["name"]: f["description_en"] for f in catalogue["features"]}
    tuning_path = paths.reports / "tuning.json"
    tuning = json.loads(tuning_path.read_text()) if tuning_path.exists() else None
    write_text(paths.reports / "model_card.md", render_model_card(flat, selection, tuning, bundle, fairness,
                                                                   importance, labels, registry))
    log.info("holdout AUC %.4f, cost per client %.4f, normalised %.4f", flat["auc"], cost, flat["normalized_cost"])
    return flat
