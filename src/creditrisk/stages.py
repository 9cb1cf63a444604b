"""Stage runners: read inputs, call the pure library functions, write outputs atomically.

Shared by the DVC entry points (``pipelines/``) and the ``creditrisk`` command line.
"""

from __future__ import annotations

import logging

from creditrisk.config import Paths
from creditrisk.io import write_json, write_text

log = logging.getLogger(__name__)


def run_generate(n_train: int, n_test: int, seed: int, paths: Paths, chunk_size: int) -> dict:
    """Generate the synthetic files into data/synthetic and the true PD into data/oracle."""
    from creditrisk.synthetic.generator import generate

    summary = generate(n_train, n_test, seed, paths.synthetic, paths.oracle, chunk_size=chunk_size)
    log.info("generated %s in %.1f s (default rate %.4f, Bayes AUC %.4f)", summary.rows, summary.seconds,
             summary.default_rate, summary.bayes_auc)
    return {"rows": summary.rows, "default_rate": summary.default_rate, "bayes_auc": summary.bayes_auc,
            "seconds": summary.seconds}


def run_fidelity(paths: Paths) -> dict:
    """Fidelity report of the generated files (JSON + readable markdown) with default rate and Bayes AUC."""
    import polars as pl

    from creditrisk.synthetic.fidelity import measure_fidelity, render_markdown
    from creditrisk.synthetic.generator import TRUE_PD_FILE, bayes_auc

    report = measure_fidelity(paths.synthetic)
    train = pl.read_csv(paths.synthetic / "application_train.csv", columns=["SK_ID_CURR", "TARGET"])
    oracle = pl.read_csv(paths.oracle / TRUE_PD_FILE).join(train, on="SK_ID_CURR", how="inner")
    generation = {"train_applicants": train.height, "default_rate": float(train["TARGET"].mean()),
                  "bayes_auc": bayes_auc(oracle["TARGET"].to_numpy(), oracle["TRUE_PD"].to_numpy())}
    report = generation | report
    write_json(paths.reports / "synthetic_fidelity.json", report)
    write_json(paths.reports / "synthetic_metrics.json", {k: v for k, v in report.items()
                                                          if isinstance(v, int | float)})
    write_text(paths.reports / "synthetic_fidelity.md", render_markdown(report, generation))
    log.info("fidelity: %d/%d columns pass", report["columns_passed"], report["columns_compared"])
    return report


def run_ingest(source: str, paths: Paths) -> dict:
    from creditrisk.ingest import ingest

    source_dir = paths.source_dir(source)
    if not source_dir.exists():
        raise FileNotFoundError(f"{source_dir} does not exist: put the Kaggle CSV files there or set "
                                "data.source: synthetic in params.yaml")
    result = ingest(source_dir, paths.interim)
    return {"tables": result.tables, "absent": result.absent}


def run_validate(paths: Paths, max_orphan_share: float) -> bool:
    """Validate the typed tables; always writes the reports, returns False when a fatal check failed."""
    from creditrisk.validation import validate_dir

    report = validate_dir(paths.interim, max_orphan_share=max_orphan_share)
    out = paths.validation_reports
    write_json(out / "results.json", report.to_dict())
    write_json(out / "summary.json", {k: v for k, v in report.to_dict().items() if k != "results"})
    write_text(out / "summary.md", report.to_markdown())
    for warning in report.warnings:
        log.warning("%s", warning.message())
    for failure in report.failures:
        log.error("%s", failure.message())
    return report.success


