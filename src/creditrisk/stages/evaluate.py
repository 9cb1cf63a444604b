"""Stage evaluate: the holdout scored once; metrics, details and plots (model_validation registers and judges)."""

from __future__ import annotations

import logging

from creditrisk.artefacts.catalogue import MODEL_COMPARISON, Paths
from creditrisk.config import Params
from creditrisk.data.schema import KEY
from creditrisk.io import write_json
from creditrisk.stages.common import read_optional, split

log = logging.getLogger(__name__)


def run_evaluate(params: Params, paths: Paths) -> dict:
    """Score the holdout once; write reports/metrics.json, the details and the plots."""
    import polars as pl

    from creditrisk.artefacts.catalogue import OOF_FILE
    from creditrisk.artefacts.predictor import Predictor
    from creditrisk.governance.evaluation import evaluate_holdout
    from creditrisk.reporting.plots import write_evaluation_plots

    predictor = Predictor.from_dir(paths.model)
    _, holdout = split(params, paths)
    oof = pl.read_parquet(paths.model / OOF_FILE)
    result = evaluate_holdout(predictor, holdout, (oof["TARGET"].to_numpy(), oof["pd"].to_numpy()),
                              _baselines(params, paths, oof["TARGET"].to_numpy()), _true_pd(params, paths, holdout.ids),
                              params.evaluate, params.base.seed, params.scale)
    write_json(paths.metrics, result.metrics)
    write_json(paths.evaluation_details, {
        "reliability": result.reliability, "cost_ratio_sensitivity": result.sensitivity,
        "shap_importance": result.importance[:50], "reason_concepts": result.concepts,
        "reasons_written_share": sum(c["share"] for c in result.concepts if c["written"]), "fairness": result.fairness,
        "master_scale": result.scale})
    write_evaluation_plots(paths.reports / "plots", result)
    log.info("holdout AUC %.4f, cost per client %.4f, normalised %.4f", result.metrics["auc"],
             result.metrics["business_cost_per_client"], result.metrics["normalized_cost"])
    return result.metrics


def _baselines(params: Params, paths: Paths, y) -> list[dict]:
    """The compare stage's baselines when it ran; otherwise refusing no one, which needs no model."""
    from creditrisk.model.baselines import refuse_no_one

    comparison = read_optional(paths.reports / MODEL_COMPARISON)
    return comparison["baselines"] if comparison and comparison["run"] else [refuse_no_one(y, params.cost)]


def _true_pd(params: Params, paths: Paths, ids):
    """The true PD of the holdout's synthetic applicants; None with the real files (even if an earlier synthetic
    run left its oracle: the ids of the two sources overlap)."""
    import polars as pl

    from creditrisk.data.synthetic.generator import TRUE_PD_FILE

    path = paths.oracle / TRUE_PD_FILE
    if params.data.source != "synthetic" or not path.exists():
        return None
    truth = pl.read_csv(path).select(KEY, "TRUE_PD")
    return pl.DataFrame({KEY: ids}).join(truth, on=KEY, how="left")["TRUE_PD"].to_numpy()
