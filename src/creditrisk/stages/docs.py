"""Stage docs: the methodology note and the slides, every number read from reports/."""

from __future__ import annotations

from pathlib import Path

from creditrisk.artefacts.catalogue import (
    EVALUATION_PLOT,
    EVALUATION_PLOT_FR,
    RELIABILITY_PLOT,
    RELIABILITY_PLOT_FR,
    Paths,
)
from creditrisk.config import Params
from creditrisk.io import write_text

ANNEX = "technical_documentation.md"  # in reports/, next to the model card

def run_docs(params: Params, paths: Paths, params_path: Path = Path("params.yaml")) -> dict:
    """The methodology note and the slides (docs/), every number read from reports/, the evaluation and
    reliability figures, and the technical documentation (reports/, Annex IV of the EU AI Act)."""
    import shutil

    from creditrisk.reporting.annex import render_annex
    from creditrisk.reporting.documents import TEMPLATES, Figures, render

    figures = Figures.load(paths, params_path)
    docs = paths.root / "docs"
    for template in TEMPLATES:
        write_text(docs / template, render(template, figures))
    write_text(paths.reports / ANNEX, render_annex(figures.sources, figures.sources["params"]))
    for plot, name in ((paths.reports / "plots" / EVALUATION_PLOT_FR, EVALUATION_PLOT),
                       (paths.model_validation / RELIABILITY_PLOT_FR, RELIABILITY_PLOT)):  # French, for French text
        if plot.exists():
            (docs / "img").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(plot, docs / "img" / name)
    return {"documents": [str(docs / t) for t in TEMPLATES], "figures": len(figures.used)}
