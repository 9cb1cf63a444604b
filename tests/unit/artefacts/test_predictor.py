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
