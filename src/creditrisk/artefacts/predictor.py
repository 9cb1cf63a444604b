"""A stored champion ready to score: the CatBoost model with its bundle (features, calibration, threshold).

Evaluation, publishing and the service all score through ``Predictor``, so there is one way to go from feature
rows to a calibrated PD.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from creditrisk.artefacts.bundle import Bundle


class Predictor:
    def __init__(self, model: Any, bundle: Bundle) -> None:
        self.model = model
        self.bundle = bundle
        self.calibrator = bundle.calibrator
        positions = {f: i for i, f in enumerate(bundle.features)}
        self._cat_index = [positions[c] for c in bundle.categorical]  # once, not per request

    @classmethod
    def from_dir(cls, directory: Path) -> Predictor:
        """The model and bundle of a model directory (``models/champion`` or a serving directory)."""
        from catboost import CatBoostClassifier

        bundle = Bundle.read(directory)
        model = CatBoostClassifier()
        model.load_model(str(Path(directory) / bundle.model_file))
        return cls(model, bundle)

    def save(self, directory: Path) -> None:
        """model.cbm and bundle.json; the same trees give the same bytes (``_unstamped``)."""
        path = Path(directory) / self.bundle.model_file
        _unstamped(self.model, path)
        self.model.save_model(str(path))
        self.bundle.write(directory)

    def predict_proba(self, x, threads: int = -1) -> tuple[np.ndarray, np.ndarray]:
        """(raw score, calibrated PD) of feature rows (a DataFrame holding at least the model's columns), with
        CatBoost on ``threads`` threads (-1: every core; a PD does not depend on it: one tree sum per row)."""
        from catboost import Pool

        pool = Pool(x[self.bundle.features], cat_features=self.bundle.categorical)
        raw = self.model.predict_proba(pool, thread_count=threads)[:, 1]
        return raw, self.calibrator.transform(raw)

    def rows_pool(self, rows: list[list]):
        """A CatBoost pool of feature rows given as lists in the bundle's feature order."""
        from catboost import Pool

        return Pool(rows, cat_features=self._cat_index, feature_names=self.bundle.features)

    def predict_rows(self, rows: list[list]) -> tuple[np.ndarray, np.ndarray]:
        """(raw score, calibrated PD) of rows given as lists: the fastest input CatBoost takes (the service's)."""
        raw = self.model.predict_proba(self.rows_pool(rows))[:, 1]
        return raw, self.calibrator.transform(raw)

    def shap_values(self, rows: list[list]) -> np.ndarray:
        """CatBoost's native SHAP values (logit scale), one column per feature plus the expected value last."""
        return self.model.get_feature_importance(self.rows_pool(rows), type="ShapValues")

    def features_read(self) -> set[str]:
        """The features this model's trees read (see ``features_read``)."""
        return features_read(self.model)


def features_read(model: Any) -> set[str]:
    """Names of the features a CatBoost model's trees read; no other feature can change a prediction or a SHAP value.

    Read from the model's JSON export: the float features of the float splits, the categorical features of the
    one-hot splits, and every categorical feature of the model's CTRs (all of them, even a CTR that no kept
    split uses: a superset is safe). A model this does not understand counts as reading every feature.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.json"
        model.save_model(str(path), format="json")
        spec = json.loads(path.read_text())
    info = spec.get("features_info", {})
    floats = {f["feature_index"]: f["feature_id"] for f in info.get("float_features", [])}
    cats = {f["feature_index"]: f["feature_id"] for f in info.get("categorical_features", [])}
    everything = set(model.feature_names_)
    if "oblivious_trees" not in spec:  # non-symmetric trees export another layout
        return everything
    read = set()
    for tree in spec["oblivious_trees"]:
        for split in tree.get("splits") or []:  # a tree without a split (a constant, seen in a bag) reads nothing
            kind = split["split_type"]
            if kind == "FloatFeature":
                read.add(floats[split["float_feature_index"]])
            elif kind == "OneHotFeature":
                read.add(cats[split["cat_feature_index"]])
            elif kind != "OnlineCtr":
                return everything
    for ctr in info.get("ctrs", []):
        for element in ctr["elements"]:
            if "cat_feature_index" in element:
                read.add(cats[element["cat_feature_index"]])
            if "float_feature_index" in element:
                read.add(floats[element["float_feature_index"]])
    return read


def _unstamped(model: Any, path: Path) -> None:
    """CatBoost stamps every model (each one of a bag) with its training time and a random id (``model_guid``):
    the same trees would then be saved as different bytes. The times are dropped and each id becomes a digest of
    the model saved without them (``path`` is used for that first save, then overwritten)."""
    import hashlib

    metadata = model.get_metadata()  # a view: what is set or deleted here is saved
    keys = list(metadata.keys())
    guids = [key for key in keys if key.endswith("model_guid")]
    for key in [key for key in keys if key.endswith("train_finish_time")]:
        del metadata[key]
    for key in guids:
        metadata[key] = "0" * 35
    model.save_model(str(path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for n, key in enumerate(guids):
        part = digest[8 * n:8 * n + 32].ljust(32, "0")
        metadata[key] = "-".join(part[i:i + 8] for i in range(0, 32, 8))
