"""Replay: a recorded decision re-scored from its stored input with its stored model version, bit for bit.

The model comes from the MLflow registry by the version the record names (``models:/creditrisk-pd/<version>``,
with the bundle stored beside it); its file digest must equal the recorded one. The stored model row goes through
the same ``Predictor.predict_rows`` as the service; the decision through the recorded policy (threshold, review
band). The PD must be the same float, not a close one.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from creditrisk.artefacts.predictor import Predictor
from creditrisk.decisions.store import DecisionStore
from creditrisk.errors import InvalidRequest
from creditrisk.model.cost import decide


def model_digest(model) -> str:
    """SHA-256 of what a CatBoost model computes: its JSON export (features, trees, leaf values, CTR tables, scale
    and bias) without ``model_info`` (training metadata), as canonical JSON. The same model gives the same digest
    wherever it was loaded from (the serving directory, the BentoML store, the MLflow registry); the bytes of its
    binary file do not: they alternate between two values from one save-and-load to the next (CatBoost 1.2)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.json"
        model.save_model(str(path), format="json")
        spec = json.loads(path.read_text())
    spec.pop("model_info", None)
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@cache
def registry_model(version: int) -> Predictor:
    """The registered version ``version`` of the champion's model, with its bundle (MLflow must be configured)."""
    from creditrisk.artefacts import tracking
    from creditrisk.errors import MissingInput

    try:
        return Predictor(*tracking.load_version(version))
    except MissingInput as error:  # the request names a version the registry does not hold
        raise InvalidRequest(str(error)) from None


def replay(store: DecisionStore, seq: int, models: Callable[[int], Predictor] = registry_model) -> dict:
    """Re-score decision ``seq``; ``same`` is True when the model file, the PD (bit for bit) and the automatic
    decision all equal the record's."""
    record = store.get(seq)
    if record["kind"] != "model" or record["features"] is None:
        record = store.get(_model_record(store, record))
    predictor = models(record["model_version"])
    row = [float("nan") if v is None and i in _numeric(predictor) else v for i, v in enumerate(record["features"])]
    _, pd_ = predictor.predict_rows([row])
    decision = str(decide(pd_, record["threshold"], record["review_band"])[0])
    digest = model_digest(predictor.model)
    same = digest == record["model_hash"] and float(pd_[0]) == record["pd"] and decision == record["auto_decision"]
    return {"decision_id": seq, "model_record": record["decision_id"], "model_version": record["model_version"],
            "stored": {"pd": record["pd"], "decision": record["auto_decision"], "model_hash": record["model_hash"]},
            "replayed": {"pd": float(pd_[0]), "decision": decision, "model_hash": digest},
            "pd_hex": [record["pd"].hex(), float(pd_[0]).hex()], "same": same}


def _model_record(store: DecisionStore, record: dict) -> int:
    """The model record a person's record belongs to (following ``parent``)."""
    while record["kind"] != "model":
        record = store.get(record["parent"])
    return record["decision_id"]


def _numeric(predictor: Predictor) -> set[int]:
    categorical = set(predictor.bundle.categorical)
    return {i for i, f in enumerate(predictor.bundle.features) if f not in categorical}
