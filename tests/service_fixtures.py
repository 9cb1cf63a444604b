"""Service fixtures (a pytest plugin, see tests/conftest.py): a serving directory built from the session's
generated data with a small CatBoost model on the real features, and the BentoML service in process (built once
per session: BentoML registers its Prometheus metrics globally, so a second ASGI app in one process fails)."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from creditrisk.data.ingest import ingest
from creditrisk.features import build_features, catalogue
from creditrisk.stages.common import load_tables

THRESHOLD, REVIEW_BAND, MAX_BATCH = 0.1, 0.02, 50
API_KEY = "test-key-123"
TOKEN_SECRET = "a-test-secret-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"
USERS = {"rita": "relationship_manager", "remy": "relationship_manager", "alice": "approver", "audrey": "auditor"}
SERVICE_ENV = ("CREDITRISK_API_KEY", "CREDITRISK_TRAFFIC_DIR", "CREDITRISK_DECISIONS_URL", "CREDITRISK_TOKEN_SECRET",
               "CREDITRISK_REFUSED_LOGIN_DELAY")
REFUSED_LOGIN_DELAY = 0.2  # seconds: the tests' refused logins wait less than the service's default 1 s


@pytest.fixture(scope="session")
def interim(generated, tmp_path_factory):
    """The generated data ingested into typed parquet tables (read-only for the tests)."""
    out = tmp_path_factory.mktemp("interim")
    ingest(generated["data"], out)
    return out


@pytest.fixture(scope="session")
def features(interim) -> dict[str, pl.DataFrame]:
    tables = load_tables(interim)
    train, test = tables.pop("application_train"), tables.pop("application_test")
    target = train.select("TARGET").collect()["TARGET"]
    return {"train": build_features({"application": train, **tables}).with_columns(target),
            "test": build_features({"application": test, **tables})}


@pytest.fixture(scope="session")
def champion(features):
    """(model, bundle): 40 trees on 6,000 training rows with every catalogue feature, Platt calibration."""
    from catboost import CatBoostClassifier, Pool

    from creditrisk.artefacts.bundle import ServingInfo
    from creditrisk.artefacts.calibration import Calibrator
    from tests.bundles import make_bundle

    names = [f.name for f in catalogue()]
    categorical = [f.name for f in catalogue() if f.categorical]
    train = features["train"].head(6000).to_pandas()
    model = CatBoostClassifier(iterations=40, depth=4, random_seed=0, verbose=False, allow_writing_files=False,
                               thread_count=2)
    model.fit(Pool(train[names], train["TARGET"], cat_features=categorical))
    raw = model.predict_proba(Pool(train[names], cat_features=categorical))[:, 1]
    calibrator = Calibrator.fit(raw, train["TARGET"].to_numpy())
    bundle = make_bundle(names, categorical=categorical, threshold=THRESHOLD, calibration=calibrator.to_dict(),
                         catboost={"iterations": 40}, train_rows=6000,
                         serving=ServingInfo(registered_model="creditrisk-pd", model_version=7,
                                             review_band=REVIEW_BAND, max_batch=MAX_BATCH))
    return model, bundle


@pytest.fixture(scope="session")
def batch(champion, features):
    """The pipeline's batch prediction of every production client (Predictor.predict_proba, as publishing)."""
    from creditrisk.artefacts.predictor import Predictor

    x = features["test"].to_pandas().set_index("SK_ID_CURR")
    _, pd_ = Predictor(*champion).predict_proba(x)
    return dict(zip(x.index.tolist(), pd_, strict=True))


@pytest.fixture(scope="session")
def challenger(champion, features):
    """A scorecard on the same 6,000 training rows (8 candidate features), scored in shadow by the service."""
    from creditrisk.model.scorecard import Challenger, fit_scorecard, inputs, variables

    _, bundle = champion
    train = features["train"].head(6000).to_pandas()
    card = fit_scorecard(train[bundle.features], train["TARGET"].to_numpy(), bundle.categorical, 8, 0.02)
    read = inputs(card)
    return Challenger(card, variables(card), read, [v for v in read if v in bundle.categorical], 0.12, {})


@pytest.fixture(scope="session")
def serving_dir(champion, challenger, features, interim, tmp_path_factory):
    from creditrisk.artefacts.predictor import Predictor
    from creditrisk.monitoring.traffic import Bins
    from creditrisk.service.model_store import write_serving_dir

    model, bundle = champion
    entries = {f.name: {"table": f.table, "aggregation": f.aggregation, "description_en": f.description_en,
                        "description_fr": f.description_fr, "categorical": f.categorical} for f in catalogue()}
    importance = model.get_feature_importance()
    order = np.argsort(-importance)[:10]
    reports = {"holdout": {"auc": 0.8, "business_cost_per_client": 0.52},  # as reports/metrics.json and
               "drift": {"share_drifted": 0.05, "n_drifted": 1, "n_columns": 20,  # reports/drift/summary.json
                         "drifted_columns": ["FLAG_EMAIL"], "enough_data": True, "current_rows": 3000,
                         "min_rows": 500},
               "global_importance": [{"feature": bundle.features[i], "mean_abs_shap": float(importance[i])}
                                     for i in order]}
    target = tmp_path_factory.mktemp("serving") / "serving"
    monitored = [bundle.features[i] for i in order[:5]]  # the traffic log counts the five most important
    bins = Bins.from_training(features["train"].head(6000).to_pandas(), monitored)
    write_serving_dir(target, Predictor(model, bundle), features["test"].to_pandas(),
                      interim / "application_test.parquet", entries, reports, bins, challenger)
    json.loads((target / "bundle.json").read_text())  # readable
    return target


@pytest.fixture(scope="session")
def serving_data(serving_dir):
    from creditrisk.service.scorer import ServingData

    return ServingData.load(serving_dir)


@pytest.fixture(scope="session")
def scorer(serving_data):
    from creditrisk.service.scorer import Scorer

    return Scorer(serving_data)


@pytest.fixture(scope="session")
def portfolio(serving_data, scorer):
    from creditrisk.service.population import Portfolio

    return Portfolio(serving_data, scorer)


@pytest.fixture(scope="session")
def traffic_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("traffic")


@pytest.fixture(scope="session")
def decisions_db(tmp_path_factory) -> str:
    """The service's decision store: a SQLite file, migrated, with one user of each role (password PASSWORD)."""
    from creditrisk.decisions import users
    from creditrisk.decisions.store import DecisionStore, migrate

    # a locked database answers 503 after 2 s
    url = f"sqlite:///{tmp_path_factory.mktemp('decisions') / 'decisions.db'}?timeout=2"
    migrate(url)
    store = DecisionStore(url)
    for name, role in USERS.items():
        users.add_user(store, name, role, PASSWORD)
    store.close()
    return url


@pytest.fixture(scope="session")
def asgi_client(serving_dir, traffic_dir, decisions_db):
    """The real service (bentoml ASGI app) with the test model imported into the session's BentoML store."""
    import os

    from starlette.testclient import TestClient

    from creditrisk.service.api import CreditRisk
    from creditrisk.service.model_store import import_to_bentoml

    import_to_bentoml(serving_dir)
    saved = {k: os.environ.get(k) for k in SERVICE_ENV}
    os.environ.update(CREDITRISK_API_KEY=API_KEY, CREDITRISK_TRAFFIC_DIR=str(traffic_dir),
                      CREDITRISK_DECISIONS_URL=decisions_db, CREDITRISK_TOKEN_SECRET=TOKEN_SECRET,
                      CREDITRISK_REFUSED_LOGIN_DELAY=str(REFUSED_LOGIN_DELAY))
    try:
        with TestClient(CreditRisk.to_asgi()) as client:
            yield client
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
