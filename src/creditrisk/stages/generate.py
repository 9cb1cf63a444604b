"""Stage generate: the synthetic Home Credit files (data/synthetic) and their true PD (data/oracle)."""

from __future__ import annotations

import logging

from creditrisk.artefacts.catalogue import Paths
from creditrisk.config import Params

log = logging.getLogger(__name__)


def run_generate(params: Params, paths: Paths) -> dict:
    """Generate the synthetic files into data/synthetic and the true PD into data/oracle; with the real files
    (``data.source: raw``) nothing is generated and both folders hold only a note saying so (the synthetic files
    of an earlier run stay in DVC's cache: switching back restores them)."""
    from creditrisk.data.synthetic.generator import generate
    from creditrisk.io import atomic_path, write_text

    if params.data.source != "synthetic":
        for folder in (paths.synthetic, paths.oracle):  # DVC expects the outputs; a note says why they hold nothing
            with atomic_path(folder) as tmp:
                tmp.mkdir(parents=True)
                write_text(tmp / "NOT_GENERATED.txt", f"data.source is {params.data.source}: the pipeline runs on "
                                                      "the real files and generates nothing here.\n")
        log.info("real-data mode (data.source: %s): no synthetic data generated", params.data.source)
        return {"generated": False, "reason": f"data.source is {params.data.source}"}

    g = params.generate
    summary = generate(g.n_train, g.n_test, params.base.seed, paths.synthetic, paths.oracle, chunk_size=g.chunk_size)
    log.info("generated %s in %.1f s (default rate %.4f, Bayes AUC %.4f)", summary.rows, summary.seconds,
             summary.default_rate, summary.bayes_auc)
    return {"rows": summary.rows, "default_rate": summary.default_rate, "bayes_auc": summary.bayes_auc,
            "seconds": summary.seconds}
