import pytest

from creditrisk.config import Paths, load_params
from creditrisk.errors import ConfigError
from tests.conftest import ROOT


def test_project_params_load_into_typed_sections():
    params = load_params(ROOT / "params.yaml")
    assert params.data.source == "synthetic"
    assert params.generate.n_train > params.generate.n_test > 0
    assert params.validate.orphans == "warn" and params.validate.max_orphan_share == 0.0


def test_unknown_key_is_an_error(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("generate:\n  n_trian: 10\n")
    with pytest.raises(ConfigError, match=r"section 'generate': unknown key\(s\) \['n_trian'\]"):
        load_params(path)


def test_unknown_source_is_an_error(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("data:\n  source: kaggle\n")
    with pytest.raises(ConfigError, match="data.source = 'kaggle'"):
        load_params(path)
    with pytest.raises(ConfigError, match="expected one of synthetic, raw"):
        Paths().source_dir("kaggle")
