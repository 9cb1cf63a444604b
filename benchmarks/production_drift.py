"""Production drift end to end: the service scores every production client, then `creditrisk monitor` runs on the log.

Starts `bentoml serve` with a fresh traffic folder, scores all production clients (application_test) by id in
batches through the API, then runs the monitoring command on that log (reference = training features) and
prints its verdict, the drifted columns, the time each step took and the smallest number of clients a line of
the log covers (its k-anonymity).

    python benchmarks/production_drift.py [--port 3138]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from service_latency import KEY, ROOT, _serve, _wait_ready  # one way to start and wait for the server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3138)
    args = parser.parse_args()
    import httpx

    traffic = Path(tempfile.mkdtemp(prefix="traffic-"))
    bin_dir = Path(sys.executable).parent
    server = _serve(args.port, traffic)
    url = f"http://127.0.0.1:{args.port}"
    try:
        _wait_ready(url)
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
    print(f"\ndrifted columns: {summary['drifted_columns']}")
    lines = [json.loads(text) for path in traffic.rglob("*.jsonl") for text in path.read_text().splitlines()]
    print(f"traffic log: {len(lines)} lines, {sum(line['clients'] for line in lines)} clients; the smallest line "
          f"covers {min(line['clients'] for line in lines)} clients (every field of a line is a count over them)")


if __name__ == "__main__":
    main()
