import pytest

from creditrisk.artefacts.catalogue import Paths
from creditrisk.config import load_params
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


def test_feature_groups_from_params_choose_the_candidates_kept():
    from creditrisk.features import candidate_groups, catalogue
    from creditrisk.stages.features import _groups_left_out

    groups = candidate_groups()
    assert {"recent_instalments", "day_windows", "interest_rate", "ext_source_3"} <= set(groups)
    left_out = _groups_left_out(("interest_rate",))
    rate = {f.name for f in catalogue() if f.group == "interest_rate"}
    assert rate and not rate & left_out.keys()
    assert {f.name for f in catalogue() if f.group not in ("base", "interest_rate")} == left_out.keys()
    assert "APP_RATE_ESTIMATE" in rate and "CREDIT_TERM_MONTHS" not in left_out
    with pytest.raises(ConfigError, match=r"features\.groups.*'nope'"):
        _groups_left_out(("nope",))


def test_unknown_gate_mode_is_an_error(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("model_validation:\n  gate: sometimes\n")
    with pytest.raises(ConfigError, match="model_validation.gate = 'sometimes'; expected one of"):
        load_params(path)


def test_a_misspelt_section_is_refused_with_its_name(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("trian:\n  cv_folds: 99\n")
    with pytest.raises(ConfigError, match=r"unknown section\(s\) \['trian'\]; the sections are \[.*'train'"):
        load_params(path)


def test_the_makefiles_full_recipe_sets_known_params_away_from_the_first_run_sizes(tmp_path):
    """`make run FULL=1` passes FULL_RECIPE to `dvc exp run -S`: each key must exist in params.yaml (a renamed key
    would fail only there, after minutes), differ from the first-run default, and load as its section's type."""
    import re

    import yaml

    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^FULL_RECIPE := ((?:.*\\\n)*.*)$", makefile, re.M).group(1).replace("\\\n", " ").split()
    assert len(recipe) == 6
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for setting in recipe:
        key, value = setting.split("=")
        section, name = key.split(".")
        assert name in params[section], key
        assert yaml.safe_load(value) != params[section][name], f"{key} is already the default"
        params[section][name] = yaml.safe_load(value)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    full = load_params(path)
    assert (full.train.cv_folds, full.train.bag, full.compare.run) == (5, 3, True)
    assert (full.train.learning_rate, full.tune.n_trials, full.tune.learning_rate) == (0.05, 6, 0.1)
