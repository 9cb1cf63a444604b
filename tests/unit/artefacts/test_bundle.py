"""The model bundle: a typed round trip, bundles written before versioning, and what it refuses."""

import json
from dataclasses import replace

import pytest

from creditrisk.artefacts.bundle import Bundle, CVSummary, ServingInfo
from creditrisk.config import CostParams
from creditrisk.errors import IncompatibleModel, MissingInput
from tests.bundles import make_bundle

SERVING = ServingInfo(registered_model="creditrisk-pd", model_version=3, review_band=0.02, max_batch=9)


def test_a_bundle_reads_back_equal_to_what_was_written(tmp_path):
    bundle = make_bundle(["a", "b"], categorical=["b"], serving=SERVING)
    bundle.write(tmp_path)
    stored = json.loads((tmp_path / "bundle.json").read_text())
    assert stored["costs"] == {"fn_cost": 10, "fp_cost": 1} and stored["bundle_version"] == 2
    assert stored["bag"] == 1 and stored["fitted_on"] == "training part" and stored["cv"]["trees"] == 10
    assert "trained_at" not in stored  # dates stay in MLflow: the same data give the same bytes
    assert stored["serving"]["review_band"] == 0.02 and stored["cv"]["auc"] == 0.8
    read = Bundle.read(tmp_path)
    assert read == bundle and isinstance(read.costs, CostParams) and isinstance(read.cv, CVSummary)
    assert read.served.max_batch == 9 and read.calibrator.transform([0.25]).tolist() == [0.25]


def test_a_bundle_of_an_earlier_version_is_refused_with_what_to_do():
    stored = make_bundle(["a"]).to_dict()
    del stored["bundle_version"]  # written before versioning: version 1
    assert "serving" not in stored
    with pytest.raises(IncompatibleModel, match=r"bundle version 1; this code reads version 2: re-run the pipeline"):
        Bundle.from_dict(stored)


def test_what_a_bundle_refuses(tmp_path):
    with pytest.raises(IncompatibleModel, match=r"unknown field\(s\) \['review_band'\]"):
        Bundle.from_dict(make_bundle(["a"]).to_dict() | {"review_band": 0.02})
    with pytest.raises(IncompatibleModel, match="bundle version 3; this code reads version 2"):
        Bundle.from_dict(make_bundle(["a"]).to_dict() | {"bundle_version": 3})
    with pytest.raises(MissingInput, match="was not published"):
        make_bundle(["a"]).served  # noqa: B018
    with pytest.raises(MissingInput, match="bundle.json not found: run the train stage"):
        Bundle.read(tmp_path)
    assert replace(make_bundle(["a"]), serving=SERVING) == make_bundle(["a"]).with_serving(SERVING)
