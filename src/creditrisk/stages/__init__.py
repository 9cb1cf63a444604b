"""The stage runners, one module per DVC stage, in pipeline order: generate, fidelity, ingest, validate,
features, tune, train, evaluate, drift, publish, docs.

Each module holds ``run_<stage>(params, paths) -> dict``: it reads the stage's inputs, calls the library and
writes the outputs atomically; a stage that cannot do its job raises a ``creditrisk.errors`` type. The entry
points in ``pipelines/`` and the ``creditrisk`` command line call these and nothing else. Which file each stage
reads and writes is declared in dvc.yaml, where each stage depends on its own module (and ``common.py``); the
served model's route is in ``creditrisk.model.route``.
"""
