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


@pytest.mark.parametrize(("text", "message"), [
    ("generate:\n  n_train: 30k\n", "generate.n_train = '30k': Input should be a valid integer"),
    ("generate:\n  n_train: 1.5\n", "generate.n_train = 1.5: Input should be a valid integer, got a number with a "
                                     "fractional part"),
    ("tune:\n  n_trials:\n", "tune.n_trials = None: Input should be a valid integer"),
    ("compare:\n  run: maybe\n", "compare.run = 'maybe': Input should be a valid boolean"),
    ("serve:\n  bounds:\n    AMT_CREDIT: [20000]\n", "serve.bounds.AMT_CREDIT.1 = [20000]: Field required"),
    ("train:\n  monotone:\n    AMT_CREDIT: up\n", "train.monotone.AMT_CREDIT = 'up': Input should be a valid integer"),
    ("features:\n  groups: interest_rate\n", "features.groups = 'interest_rate': Input should be a valid tuple"),
    ("generate:\n  n_train: 0\n", "generate.n_train = 0: Input should be greater than or equal to 1"),
    ("cost:\n  fn_cost: 0\n", "cost.fn_cost = 0: Input should be greater than 0"),
    ("train:\n  depth: 20\n", "train.depth = 20: Input should be less than or equal to 16"),
    ("train:\n  holdout_size: 1\n", "train.holdout_size = 1: Input should be less than 1"),
    ("tune:\n  folds: 1\n", "tune.folds = 1: Input should be greater than or equal to 2"),
    ("serve:\n  review_band: -0.02\n", "serve.review_band = -0.02: Input should be greater than or equal to 0"),
    ("serve:\n  max_term_quantile: 1.5\n", "serve.max_term_quantile = 1.5: Input should be less than or equal to 1"),
    ("monitor:\n  window_days: 0\n", "monitor.window_days = 0: Input should be greater than or equal to 1"),
    ("model_validation:\n  amber: 0.01\n  red: 0.05\n  psi_red: 0.1\n",
     "model_validation: red = 0.05 is not below amber = 0.01; psi_amber = 0.1 is not below psi_red = 0.1 (a test "
     "turns amber before it turns red)"),
    ("generate: 100000\n", "section 'generate': expected a mapping of keys, got 100000"),
])
def test_a_value_of_the_wrong_type_or_range_is_refused_naming_its_key(tmp_path, text, message):
    """`make run APPLICANTS=30k` (or a typo in params.yaml) must stop at loading, naming the key, the value and what
    was expected, not fail minutes later inside a stage as an internal error."""
    import re

    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_params(path)


def test_yaml_lists_and_whole_numbers_load_as_their_fields_types(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("features:\n  groups: [interest_rate]\ncost:\n  fn_cost: 10\nserve:\n  bounds:\n"
                    "    AMT_CREDIT: [20000, 4500000]\ndrift:\n  max_rows: 0\n")
    params = load_params(path)
    assert params.drift.max_rows == 0  # 0 means every row
    assert params.features.groups == ("interest_rate",)
    assert params.cost.fn_cost == 10.0 and isinstance(params.cost.fn_cost, float)
    assert params.serve.bounds == {"AMT_CREDIT": (20000.0, 4500000.0)}


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


def test_the_makefiles_switches_reach_dvc_as_params():
    """`make pipeline SOURCE=synthetic APPLICANTS=100000` runs `dvc exp run` with those two params set; without a
    switch, `dvc repro` (make -n prints the commands without running them); APPLICANTS with the real files is
    refused before anything runs."""
    import subprocess

    def make(*switches: str) -> subprocess.CompletedProcess:
        return subprocess.run(["make", "-n", "--no-print-directory", "pipeline", *switches], cwd=ROOT,
                              capture_output=True, text=True)

    switched = make("SOURCE=synthetic", "APPLICANTS=100000").stdout.splitlines()[-1]
    assert "dvc exp run -S data.source=synthetic -S generate.n_train=100000;" in switched
    assert "then dvc exp run ; else dvc repro; fi" in make().stdout.splitlines()[-1]
    refused = make("SOURCE=raw", "APPLICANTS=100000")
    assert refused.returncode != 0 and not refused.stdout
    assert "APPLICANTS=100000 sizes the synthetic data; with SOURCE=raw the applicants are the rows of data/raw" \
        in refused.stderr
