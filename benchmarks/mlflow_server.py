"""MLflow as a team's server against the project's embedded store: the round trips the pipeline makes.

The champion's registration (run, parameters, metrics, the CatBoost model with signature and bundle, the
registered version and its tags), loading the champion by alias (what publish and score-portfolio do) and one
registry lookup (the alias), each timed against the sqlite file store (mlflow.db, artefacts on disk) and against
`mlflow server` on PostgreSQL with proxied artefacts (a throwaway server from the Debian binaries, on this
machine: the network is loopback). Repeats alternate the two stores; medians. Needs `dvc repro` (models/champion).
Usage: python benchmarks/mlflow_server.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _round_trips(project: Path, predictor, x_example, lookups: int = 20) -> dict:
    import mlflow
    from mlflow import MlflowClient

    from creditrisk.artefacts import tracking
    from creditrisk.artefacts.catalogue import CHAMPION_ALIAS, REGISTERED_MODEL

    tracking.configure(project)
    start = time.perf_counter()
    candidate = tracking.register_candidate(predictor.model, predictor.bundle,
                                            {"business_cost_per_client": 0.46, "auc": 0.80}, x_example, [])
    MlflowClient().set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, str(candidate["version"]))
    register = time.perf_counter() - start
    start = time.perf_counter()
    tracking.load_champion()
    load = time.perf_counter() - start
    lookup = []
    for _ in range(lookups):
        start = time.perf_counter()
        MlflowClient().get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
        lookup.append(time.perf_counter() - start)
    mlflow.set_tracking_uri(None)
    return {"register_s": register, "load_s": load, "lookup_ms": 1000 * statistics.median(lookup)}


def main() -> None:
    import pandas as pd

    from creditrisk.artefacts.predictor import Predictor
    from tests.engines import create_database, mlflow_server_process, postgres_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    predictor = Predictor.from_dir(ROOT / "models" / "champion")
    x_example = pd.read_parquet(ROOT / "data" / "features" / "test.parquet").head(5)
    work = Path(tempfile.mkdtemp(prefix="mlflow-bench-"))
    runs: dict[str, list[dict]] = {"sqlite file (mlflow.db)": [], "server on PostgreSQL": []}
    with postgres_server() as pg, mlflow_server_process(create_database(pg, "mlflow"), work / "artefacts") as uri:
        for k in range(args.repeats):
            os.environ.pop("MLFLOW_TRACKING_URI", None)
            runs["sqlite file (mlflow.db)"].append(_round_trips(work / f"local-{k}", predictor, x_example))
            os.environ["MLFLOW_TRACKING_URI"] = uri
            runs["server on PostgreSQL"].append(_round_trips(work / f"client-{k}", predictor, x_example))
            os.environ.pop("MLFLOW_TRACKING_URI", None)  # set_tracking_uri(None) may have cleared it
    print("| store | register the champion (s) | load it by alias (s) | alias lookup (ms) |")
    print("|---|---:|---:|---:|")
    for store, done in runs.items():
        med = {key: statistics.median(r[key] for r in done) for key in done[0]}
        print(f"| {store} | {med['register_s']:.2f} | {med['load_s']:.2f} | {med['lookup_ms']:.1f} |")


if __name__ == "__main__":
    main()
