"""Which features a model's trees read: what can change a prediction (the service's client files use it)."""

import json

from creditrisk.artefacts.predictor import features_read


class _Exported:
    """A model as CatBoost exports it to JSON: a bag of seeds holds trees without any split (constants)."""

    feature_names_ = ["AMT_CREDIT", "EXT_SOURCE_2", "NAME_CONTRACT_TYPE"]

    def save_model(self, path: str, format: str) -> None:
        assert format == "json"
        spec = {"features_info": {"float_features": [{"feature_index": 0, "feature_id": "AMT_CREDIT"},
                                                     {"feature_index": 1, "feature_id": "EXT_SOURCE_2"}],
                                  "categorical_features": [{"feature_index": 0, "feature_id": "NAME_CONTRACT_TYPE"}]},
                "oblivious_trees": [{"splits": None},
                                    {"splits": [{"split_type": "FloatFeature", "float_feature_index": 1}]},
                                    {"splits": []}]}
        with open(path, "w") as handle:
            json.dump(spec, handle)


def test_trees_without_a_split_read_nothing_and_do_not_break_the_reading():
    assert features_read(_Exported()) == {"EXT_SOURCE_2"}


def test_the_same_trees_are_saved_as_the_same_bytes(tmp_path):
    """CatBoost stamps each fit with its time and a random id; two fits of the same data and seed must still give
    the same model file (DVC hashes it), and the file must load and predict as the fit does."""
    import numpy as np
    from catboost import CatBoostClassifier

    from creditrisk.artefacts.predictor import Predictor
    from tests.bundles import make_bundle

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    y = (x[:, 0] + rng.normal(size=300) > 0.5).astype(int)
    saved = []
    for n in range(2):
        model = CatBoostClassifier(iterations=15, depth=2, random_seed=3, verbose=False, allow_writing_files=False)
        model.fit(x, y)
        folder = tmp_path / str(n)
        folder.mkdir()
        Predictor(model, make_bundle(["0", "1"])).save(folder)
        saved.append((folder / "model.cbm").read_bytes())
        loaded = CatBoostClassifier()
        loaded.load_model(str(folder / "model.cbm"))
        assert np.array_equal(loaded.predict_proba(x), model.predict_proba(x))
        assert "train_finish_time" not in dict(loaded.get_metadata())
    assert saved[0] == saved[1]
