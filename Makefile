# The two commands of the README: `make run` (main job on the built-in synthetic data) and `make test`.
# Both bootstrap everything from the lock file on a fresh machine: uv in .tools/, the project in .venv/.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export GX_ANALYTICS_ENABLED := false
export DVC_NO_ANALYTICS := 1

.PHONY: setup run pipeline test lint fidelity full-data benchmarks clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced  ## install the locked environment (idempotent)

run: setup  ## main job: synthetic data -> validated tables -> reports (every DVC stage)
	@mkdir -p data/raw
	dvc repro
	@echo
	@echo "Done. Model card: reports/model_card.md; drift: reports/drift/data_drift.html; data:"
	@echo "reports/synthetic_fidelity.md, reports/validation/summary.md. MLflow UI:"
	@echo "  .venv/bin/mlflow ui --backend-store-uri sqlite:///mlflow.db"
	@dvc metrics show

pipeline: setup  ## dvc repro only (no serving)
	dvc repro

test: setup  ## unit tests + one pipeline smoke test on a small generated data set
	python -m pytest

lint: setup
	ruff check src pipelines tests benchmarks scripts dashboard

full-data: setup  ## Kaggle-size synthetic data (307,511 + 48,744 applicants, ~58 M child rows)
	creditrisk generate --full-size

benchmarks: setup
	python benchmarks/generate_full_size.py

clean:
	rm -rf .tools $(VENV) .pytest_cache
