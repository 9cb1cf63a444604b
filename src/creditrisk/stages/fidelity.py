"""Stage fidelity: the generated files compared with the reference statistics of the real data."""

from __future__ import annotations

import logging

from creditrisk.artefacts.catalogue import SYNTHETIC_METRICS, Paths
from creditrisk.config import Params
from creditrisk.data.schema import KEY
from creditrisk.io import write_json, write_text

log = logging.getLogger(__name__)


def run_fidelity(params: Params, paths: Paths) -> dict:
    """Fidelity report of the generated files (JSON + readable markdown) with default rate and Bayes AUC; with the
    real files, a report saying there is nothing to compare and no synthetic metric."""
    import polars as pl

    if params.data.source != "synthetic":
        reason = f"data.source is {params.data.source}: the pipeline runs on the real files, nothing was generated"
        write_json(paths.reports / "synthetic_fidelity.json", {"applicable": False, "reason": reason})
        write_json(paths.reports / SYNTHETIC_METRICS, {})
        write_text(paths.reports / "synthetic_fidelity.md", f"# Synthetic data fidelity\n\nNot applicable: {reason}.\n")
        return {"applicable": False}

    from creditrisk.data.synthetic.fidelity import measure_fidelity, render_markdown
    from creditrisk.data.synthetic.generator import TRUE_PD_FILE, bayes_auc

    report = measure_fidelity(paths.synthetic)
    train = pl.read_csv(paths.synthetic / "application_train.csv", columns=[KEY, "TARGET"])
    oracle = pl.read_csv(paths.oracle / TRUE_PD_FILE).join(train, on=KEY, how="inner")
    generation = {"train_applicants": train.height, "default_rate": float(train["TARGET"].mean()),
                  "bayes_auc": bayes_auc(oracle["TARGET"].to_numpy(), oracle["TRUE_PD"].to_numpy())}
    report = generation | report
    write_json(paths.reports / "synthetic_fidelity.json", report)
    write_json(paths.reports / SYNTHETIC_METRICS, {k: v for k, v in report.items()
                                                          if isinstance(v, int | float)})
    write_text(paths.reports / "synthetic_fidelity.md", render_markdown(report, generation))
    log.info("fidelity: %d/%d columns pass", report["columns_passed"], report["columns_compared"])
    return {k: v for k, v in report.items() if k != "columns"}
