"""Production drift end to end: the service scores every production client, then `creditrisk monitor` runs on the log.

Starts `bentoml serve` with a fresh traffic folder, scores all production clients (application_test) by id in
batches through the API, then runs the monitoring command on that log (reference = training features) and
prints its verdict, the drifted columns and the time each step took.

    python benchmarks/production_drift.py [--port 3138]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
KEY = "benchmark-key"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3138)
    args = parser.parse_args()
    import httpx

    traffic = Path(tempfile.mkdtemp(prefix="traffic-"))
    env = os.environ | {"CREDITRISK_API_KEY": KEY, "BENTOML_DO_NOT_TRACK": "true",
                        "CREDITRISK_TRAFFIC_DIR": str(traffic)}
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen([str(bin_dir / "bentoml"), "serve", "--port", str(args.port), "--host", "127.0.0.1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        ids = pd.read_parquet(ROOT / "models" / "serving" / "population.parquet")["SK_ID_CURR"].tolist()
        start = time.perf_counter()
        with httpx.Client(timeout=60) as client:
            for i in range(0, len(ids), 500):
                response = client.post(f"{url}/score", json={"client_ids": ids[i:i + 500]},
                                       headers={"X-API-Key": KEY})
                response.raise_for_status()
        scored = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    start = time.perf_counter()
    result = subprocess.run([str(bin_dir / "creditrisk"), "monitor", "--traffic", str(traffic), "--days", "1"],
                            cwd=ROOT, capture_output=True, text=True)
    monitored = time.perf_counter() - start
    summary = json.loads(result.stdout)
    print("| clients scored through the API | scoring (s) | monitor (s) | exit code | verdict | drifted / columns |")
    print("|---:|---:|---:|---:|---|---|")
    print(f"| {len(ids)} | {scored:.1f} | {monitored:.1f} | {result.returncode} | {summary['verdict']} | "
          f"{summary['n_drifted']} / {summary['n_columns']} ({100 * summary['share_drifted']:.1f} %) |")
    print(f"\ndrifted columns, most drifted first: {summary['drifted_columns']}")


if __name__ == "__main__":
    main()
