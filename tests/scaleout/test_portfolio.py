"""`creditrisk bucket` + `creditrisk score-portfolio` on local Spark: every PD equals the in-process batch PD."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import polars as pl
import pytest

from creditrisk import cli
from creditrisk.artefacts import tracking
from creditrisk.config import Params
from creditrisk.features import feature_version
from creditrisk.governance.master_scale import MasterScale
from creditrisk.model.cost import decide
from tests.service_fixtures import THRESHOLD

RUN_DATE = date(2026, 12, 1)


@pytest.fixture(scope="module")
def project(tmp_path_factory, champion, features, interim):
    """A project folder: the session's ingested tables, and an MLflow registry whose champion is the session's
    model (trained on this builder)."""
    import mlflow

    root = tmp_path_factory.mktemp("portfolio-project")
    (root / "data").mkdir()
    (root / "data" / "interim").symlink_to(interim)
    (root / "params.yaml").write_text("portfolio:\n  buckets: 4\n  master: local[2]\n")
    tracking.configure(root)
    model, bundle = champion
    _register(model, replace(bundle, serving=None, feature_version=feature_version()), features)
    yield root
    mlflow.set_tracking_uri(None)


def _register(model, bundle, features) -> int:
    from mlflow import MlflowClient

    example = features["train"].head(20).to_pandas()
    version = tracking.register_candidate(model, bundle, {"business_cost_per_client": 0.4, "auc": 0.8}, example, [])
    MlflowClient().set_registered_model_alias(tracking.REGISTERED_MODEL, tracking.CHAMPION_ALIAS,
                                              str(version["version"]))
    return version["version"]


def test_every_portfolio_pd_equals_the_in_process_batch_pd(spark_ready, project, batch, capsys):
    assert cli.main(["--root", str(project), "bucket"]) == 0
    manifest = project / "data" / "portfolio" / "buckets" / "manifest.json"
    assert manifest.exists() and '"buckets": 4' in manifest.read_text()
    assert cli.main(["--root", str(project), "score-portfolio", "--run-date", RUN_DATE.isoformat()]) == 0
    capsys.readouterr()
    folder = project / "data" / "portfolio" / "scores" / f"run_date={RUN_DATE}"
    scores = pl.read_parquet(sorted(folder.glob("*.parquet"))).sort("SK_ID_CURR")
    ids = sorted(batch)
    assert scores["SK_ID_CURR"].to_list() == ids  # every production client once
    expected = np.array([batch[i] for i in ids])
    assert np.array_equal(scores["pd"].to_numpy(), expected)  # bit for bit, not approximately
    served = Params()  # the project's params.yaml names no serve/scale section: the defaults
    assert scores["decision"].to_list() == decide(expected, THRESHOLD, served.serve.review_band).tolist()
    assert scores["grade"].to_list() == MasterScale(tuple(served.scale.bounds)).grade(expected).tolist()
    assert set(scores["feature_version"]) == {feature_version()} and scores["model_version"].n_unique() == 1


def test_the_command_refuses_a_model_trained_on_another_feature_builder(project, champion, features, capsys):
    model, bundle = champion
    version = _register(model, replace(bundle, serving=None, feature_version="0123456789abcdef"), features)
    code = cli.main(["--root", str(project), "score-portfolio"])
    error = capsys.readouterr().err
    assert code == 1
    assert f"registered version {version}" in error and "builder version 0123456789abcdef" in error
    assert feature_version() in error
