"""What compiling the installed packages' bytecode at install buys (the Makefile's ``UV_COMPILE_BYTECODE=1``).

Each DVC stage, server and worker is a new Python process that imports the stack (pandas, polars, CatBoost,
scikit-learn, MLflow, great-expectations, Evidently...). Without compiled bytecode on disk, Python compiles every
imported module from source, and where ``PYTHONDONTWRITEBYTECODE`` is set (this machine's environment sets it) it
does so again in every process. Two ways to start the same process, alternated ``--repeats`` times, medians:

- "compiled at install": the environment as `make setup` installs it (uv writes the packages' ``.pyc`` files);
- "compiled at each start" (the baseline): ``PYTHONPYCACHEPREFIX`` points at an empty folder and
  ``PYTHONDONTWRITEBYTECODE=1``, so no compiled file is found or written, as before the change.

    python benchmarks/bytecode.py [--repeats 3] [--pipeline]

The table times the imports of the libraries the stages and servers load (a stage module imports them in the
functions that use them, so ``import pipelines.<stage>`` alone costs a quarter of a second) and two commands;
``--pipeline`` adds `dvc repro` of every stage on the smoke test's small project (2,500 + 500 generated
applicants, tests/integration), once per mode and repeat (about 2 to 3 minutes each).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.integration.test_pipeline_smoke import _environment, new_project  # noqa: E402

IMPORTS = {"the model stack (pandas, polars, scikit-learn, CatBoost)": "pandas, polars, sklearn.metrics, catboost",
           "MLflow (tune, model_validation, publish)": "mlflow",
           "great-expectations (validate)": "great_expectations",
           "Evidently (drift)": "evidently",
           "BentoML (the scoring API)": "bentoml",
           "Streamlit (the dashboard)": "streamlit"}
BIN = Path(sys.executable).parent
COMMANDS = {**{f"import {label}": [sys.executable, "-c", f"import {modules}"] for label, modules in IMPORTS.items()},
            "dvc --version": [str(BIN / "dvc"), "--version"],
            "creditrisk --help": [str(BIN / "creditrisk"), "--help"]}


def environment(mode: str, empty: Path) -> dict[str, str]:
    """The smoke test's environment (this interpreter's tools first, no analytics), in one of the two modes."""
    base = _environment()
    base.pop("PYTHONPYCACHEPREFIX", None)
    if mode == "compiled at each start":
        return base | {"PYTHONPYCACHEPREFIX": str(empty), "PYTHONDONTWRITEBYTECODE": "1"}
    return base


def seconds(args: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, cwd=cwd, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - start


def compiled_at_install() -> bool:
    import catboost

    return any((Path(catboost.__file__).parent / "__pycache__").glob("*.pyc"))


def pipeline_once(env: dict[str, str], work: Path) -> float:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    project = new_project(work, generate={"n_train": 2500, "n_test": 500, "chunk_size": 2000},
                          drift={"adversarial_rows": 1000, "top_features": 5}, model_validation={"gate": "report"})
    return seconds(["dvc", "repro"], env, project)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pipeline", action="store_true", help="also time `dvc repro` of the smoke project")
    args = parser.parse_args()
    if not compiled_at_install():
        sys.exit("the installed packages have no compiled bytecode: run `make setup` (UV_COMPILE_BYTECODE=1) first")
    modes = ("compiled at each start", "compiled at install")
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for repeat in range(args.repeats):
            for mode in modes if repeat % 2 == 0 else modes[::-1]:
                empty = scratch / f"pycache-{repeat}-{mode.split()[-1]}"  # never written: DONTWRITEBYTECODE
                env = environment(mode, empty)
                for label, command in COMMANDS.items():
                    times.setdefault((label, mode), []).append(seconds(command, env, ROOT))
                if args.pipeline:
                    times.setdefault(("dvc repro (smoke project)", mode), []).append(
                        pipeline_once(env, scratch / "project"))
    labels = list(dict.fromkeys(label for label, _ in times))
    print(f"| process | {' | '.join(f'{m} (s)' for m in modes)} | saved (s) |")
    print("|---|---:|---:|---:|")
    for label in labels:
        before, after = (statistics.median(times[(label, m)]) for m in modes)
        print(f"| {label} | {before:.2f} | {after:.2f} | {before - after:.2f} |")
    print(f"\n{args.repeats} alternated runs per mode, medians; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
