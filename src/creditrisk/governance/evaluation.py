"""The holdout evaluation, in named steps: each takes arrays and returns figures; the evaluate stage writes them.

The holdout is scored once. Its figures: AUC, PR-AUC, business cost and the confusion matrix at the threshold,
Brier; 95 % bootstrap intervals; on synthetic data the gap to the oracle (the true PD); the baselines' CV costs
beside the champion's; the cost of every threshold; the FN:FP sensitivity of the threshold; SHAP importance;
outcomes by group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.artefacts.bundle import Bundle
from creditrisk.artefacts.predictor import Predictor
from creditrisk.config import CostParams, EvaluateParams, ScaleParams
from creditrisk.model.cost import confusion, cost_per_client, find_best_threshold
from creditrisk.model.data import ModelData
from creditrisk.model.training import brier

_INTERVALS = ("auc_ci95", "pr_auc_ci95", "business_cost_per_client_ci95", "normalized_cost_ci95", "threshold_ci95",
              "brier_ci95", "approval_rate_ci95")
_ORACLE_INTERVALS = ("auc_to_oracle_ci95", "cost_to_oracle_ci95")


@dataclass(frozen=True)
class Evaluation:
    metrics: dict  # reports/metrics.json: one flat object (DVC metrics)
    cost_curve: list[dict]
    reliability: list[dict]
    sensitivity: list[dict]
    importance: list[dict]
    concepts: list[dict]  # the reasons' concepts: share of the influence, written by hand or not, sensitive
    fairness: dict
    scale: dict  # the master scale on out-of-fold and holdout PDs, and its checks


def evaluate_holdout(predictor: Predictor, holdout: ModelData, oof: tuple[np.ndarray, np.ndarray],
                     baselines: list[dict], true_pd: np.ndarray | None, settings: EvaluateParams,
                     seed: int, scale: ScaleParams | None = None) -> Evaluation:
    """Every figure of the evaluate stage; ``oof`` = (target, calibrated PD) of the training rows."""
    from creditrisk.governance.fairness import fairness_report
    from creditrisk.model.cost import cost_curve, ratio_sensitivity
    from creditrisk.model.training import reliability_curve

    bundle, y = predictor.bundle, holdout.y
    _, pd_ = predictor.predict_proba(holdout.x)
    metrics = holdout_metrics(y, pd_, bundle.threshold, bundle.costs)
    metrics |= sample_size(y, settings.min_defaults)
    if true_pd is not None:  # synthetic data: the oracle's figures and the model's share of them
        metrics |= oracle_gap(metrics, y, true_pd, bundle.costs) | {"oracle_brier": brier(y, true_pd)}
    metrics |= bootstrap_intervals(y, pd_, bundle.threshold, bundle.costs, settings.bootstrap, seed, oof, true_pd)
    metrics |= baseline_costs(baselines, bundle)
    metrics = flatten_intervals(metrics)
    metrics["holdout_best_threshold_in_hindsight"] = cost_curve(y, pd_, bundle.costs).threshold
    importance, shap = shap_importance(predictor, holdout.x, settings.shap_rows, seed)
    return Evaluation(metrics=metrics, cost_curve=cost_by_threshold(y, pd_, bundle.costs),
                      reliability=reliability_curve(y, pd_),
                      sensitivity=ratio_sensitivity(oof[0], oof[1], list(range(1, 21))),
                      importance=importance, concepts=concept_importance(bundle.features, shap),
                      fairness=fairness_report(holdout.x, y, pd_ >= bundle.threshold, pd_, settings.min_group_clients,
                                               settings.min_group_defaults, settings.bootstrap, seed),
                      scale=master_scale_report(scale or ScaleParams(), oof, (y, pd_), settings.min_group_clients))


def master_scale_report(params: ScaleParams, oof: tuple[np.ndarray, np.ndarray],
                        holdout: tuple[np.ndarray, np.ndarray], min_clients: int = 30) -> dict:
    """The master scale's grades on out-of-fold PDs (where it is checked) and on the holdout; the calibration
    tests per grade are the model_validation stage's."""
    from creditrisk.governance.master_scale import MasterScale, scale_checks

    scale = MasterScale(tuple(params.bounds))
    oof_rows, holdout_rows = scale.table(*oof), scale.table(*holdout)
    return {"bounds": list(scale.bounds), "oof": oof_rows, "holdout": holdout_rows,
            "checks": scale_checks(oof_rows, params.max_share, min_clients)}


def holdout_metrics(y: np.ndarray, pd_: np.ndarray, threshold: float, costs: CostParams) -> dict:
    """The figures of one scoring of the holdout (or of one bootstrap resample of it)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from creditrisk.model.cost import normalized_cost

    matrix = confusion(y, pd_ >= threshold)
    cost = cost_per_client(matrix, costs)
    return {"auc": float(roc_auc_score(y, pd_)), "pr_auc": float(average_precision_score(y, pd_)),
            "business_cost_per_client": cost, "normalized_cost": normalized_cost(cost * len(y), y, costs),
            "threshold": threshold, "brier": brier(y, pd_), "approval_rate": 1 - float(np.mean(pd_ >= threshold)),
            "tn": matrix.tn, "fp": matrix.fp, "fn": matrix.fn, "tp": matrix.tp, "holdout_rows": len(y),
            "default_rate": float(np.mean(y)), "fn_cost": costs.fn_cost, "fp_cost": costs.fp_cost}


def sample_size(y: np.ndarray, min_defaults: int) -> dict:
    """How many defaults the holdout holds, and whether that is enough for its figures to be a verdict."""
    defaults = int(np.sum(y))
    return {"holdout_defaults": defaults, "min_defaults": min_defaults, "enough_data": defaults >= min_defaults}


def bootstrap_intervals(y: np.ndarray, pd_: np.ndarray, threshold: float, costs: CostParams, n: int, seed: int,
                        oof: tuple[np.ndarray, np.ndarray], true_pd: np.ndarray | None = None) -> dict:
    """95 % percentile intervals: every holdout figure on resampled holdout rows (the same resamples for all); with
    a true PD, the model's share of the oracle on the same rows (paired: the holdout's part of the ratio's
    uncertainty, not the training sample's); the threshold on resampled out-of-fold rows (where it is chosen)."""
    names = _INTERVALS + (_ORACLE_INTERVALS if true_pd is not None else ())
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {name: [] for name in names}
    on_holdout = [name for name in samples if name != "threshold_ci95"]
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        if 0 < y[idx].sum() < len(idx):
            figures = holdout_metrics(y[idx], pd_[idx], threshold, costs)
            if true_pd is not None:
                figures |= oracle_gap(figures, y[idx], true_pd[idx], costs)
            for name in on_holdout:
                value = figures[name.removesuffix("_ci95")]
                if np.isfinite(value):  # no cost ratio where the true PD makes no mistake
                    samples[name].append(value)
        j = rng.integers(0, len(oof[0]), len(oof[0]))
        samples["threshold_ci95"].append(find_best_threshold(oof[0][j], oof[1][j], costs)[0])
    return {name: _interval(values) for name, values in samples.items()} | {"bootstrap_resamples": n}


def _interval(values: list[float]) -> list[float]:
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]


def oracle_gap(figures: dict, y: np.ndarray, true_pd: np.ndarray, costs: CostParams) -> dict:
    """Best achievable figures from the true PD of synthetic applicants, and the model's share of them; ``figures``
    = the model's holdout_metrics on the same rows."""
    from sklearn.metrics import roc_auc_score

    oracle_auc = float(roc_auc_score(y, true_pd))
    best_cost = cost_per_client(confusion(y, true_pd >= costs.bayes_threshold), costs)  # Bayes-optimal decision
    return {"oracle_auc": oracle_auc, "oracle_cost_per_client": best_cost,
            "auc_to_oracle": figures["auc"] / oracle_auc,
            "cost_to_oracle": figures["business_cost_per_client"] / best_cost if best_cost > 0 else float("nan")}


def baseline_costs(baselines: list[dict], bundle: Bundle) -> dict:
    """The baselines' and the champion's CV cost per client, under the baselines' metric keys."""
    costs = {f"baseline_{row['key']}_cv_cost_per_client": row["cv_cost_per_client"] for row in baselines}
    return costs | {"champion_cv_cost_per_client": bundle.cv.cost_per_client}


def flatten_intervals(metrics: dict) -> dict:
    """DVC metrics are one flat object: each [low, high] interval becomes *_ci95_low / *_ci95_high."""
    flat = dict(metrics)
    for name in [key for key in metrics if key.endswith("_ci95")]:
        low, high = flat.pop(name)
        stem = name.removesuffix("_ci95")
        flat[f"{stem}_ci95_low"], flat[f"{stem}_ci95_high"] = low, high
    return flat


def cost_by_threshold(y: np.ndarray, pd_: np.ndarray, costs: CostParams, points: int = 101) -> list[dict]:
    return [{"threshold": float(t), "cost_per_client": cost_per_client(confusion(y, pd_ >= t), costs)}
            for t in np.linspace(0, 1, points)]


def shap_importance(predictor: Predictor, x, rows: int, seed: int) -> tuple[list[dict], np.ndarray]:
    """Global importance: mean |SHAP| (CatBoost's native values) over a sample of holdout rows; and the values."""
    from catboost import Pool

    bundle = predictor.bundle
    sample = x.sample(n=min(rows, len(x)), random_state=seed)
    pool = Pool(sample[bundle.features], cat_features=bundle.categorical)
    shap = predictor.model.get_feature_importance(pool, type="ShapValues")[:, :-1]
    mean_abs = np.abs(shap).mean(axis=0)
    ranked = [{"feature": bundle.features[i], "mean_abs_shap": float(mean_abs[i])} for i in np.argsort(-mean_abs)]
    return ranked, shap


def concept_importance(features: list[str], shap: np.ndarray) -> list[dict]:
    """Each concept of the reason catalogue: its share of the mean |summed SHAP| over the sample (how much the
    reasons told to clients can cover), whether its sentences were written by hand, whether it is sensitive."""
    from creditrisk.reasons.catalogue import load_catalogue

    catalogue, members = load_catalogue(), {}
    for i, feature in enumerate(features):
        members.setdefault(catalogue.concept_of(feature).id, []).append(i)
    weight = {c: float(np.abs(shap[:, idx].sum(axis=1)).mean()) for c, idx in members.items()}
    total = sum(weight.values()) or 1.0
    return [{"concept": c, "label_en": catalogue.by_id[c].label["en"], "label_fr": catalogue.by_id[c].label["fr"],
             "share": w / total, "written": catalogue.by_id[c].written, "sensitive": catalogue.by_id[c].sensitive}
            for c, w in sorted(weight.items(), key=lambda item: -item[1])]
