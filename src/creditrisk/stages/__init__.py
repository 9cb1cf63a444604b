"""The stage runners, one module per DVC stage, in pipeline order (``STAGES``, the order of dvc.yaml).

Each module holds ``run_<stage>(params, paths) -> dict``: it reads the stage's inputs, calls the library and
writes the outputs atomically; a stage that cannot do its job raises a ``creditrisk.errors`` type. The entry
points in ``pipelines/`` and `creditrisk stage NAME` call these and nothing else. Which file each stage reads and
writes is declared in dvc.yaml, where each stage depends on its own module (and ``common.py``); the served
model's route is in ``creditrisk.artefacts.catalogue``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

STAGES = ("generate", "fidelity", "ingest", "validate", "features", "tune", "train", "compare", "evaluate",
          "model_validation", "drift", "publish", "docs")


def runner(name: str) -> Callable:
    """The ``run_<name>`` function of a stage (imported on demand: a stage's libraries load only when it runs)."""
    if name not in STAGES:
        raise KeyError(f"unknown stage {name!r}; the stages are {', '.join(STAGES)}")
    return getattr(importlib.import_module(f"creditrisk.stages.{name}"), f"run_{name}")
