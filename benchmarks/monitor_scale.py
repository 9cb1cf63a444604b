"""Time and peak memory of `creditrisk monitor` as the traffic window grows (100k and 500k scored clients).

The traffic log is written as the service writes it (``TrafficLog``, counts of the 20 most important features in
the bins published with the model, requests and lines of 50 clients), from the production clients'
features of the last `dvc repro`, over seven days. Then `creditrisk monitor` runs in a fresh process on it, against
the training features; its wall time and peak RSS are printed, with the log's size on disk.

    python benchmarks/monitor_scale.py [--clients 100000 500000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def write_log(directory: Path, clients: int) -> None:
    from creditrisk.artefacts import catalogue
    from creditrisk.monitoring.traffic import Bins, TrafficLog

    bins = Bins.read(ROOT / "models" / "serving" / catalogue.MONITORING_BINS)
    production = pd.read_parquet(ROOT / "data" / "features" / "test.parquet", columns=list(bins.features))
    now = datetime.now(UTC)
    traffic = TrafficLog(directory, bins, flush_clients=20)
    batch = 50  # requests of 50 clients (lines of 50): the writing is not what is measured
    for start in range(0, clients, batch):
        rows = production.iloc[[(start + i) % len(production) for i in range(batch)]]
        day = now - timedelta(days=6 * start // clients)  # spread over the last 7 days
        traffic.record("1", rows, [0.05] * batch, ["accept"] * batch, now=day)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, nargs="+", default=[100_000, 500_000])
    args = parser.parse_args()
    print("| scored clients in the window | log on disk | monitor wall time | monitor peak RSS | verdict |")
    print("|---:|---:|---:|---:|---|")
    for clients in args.clients:
        with tempfile.TemporaryDirectory() as tmp:
            log_dir = Path(tmp) / "traffic"
            write_log(log_dir, clients)
            size = sum(p.stat().st_size for p in log_dir.rglob("*.jsonl"))
            started = time.perf_counter()
            # a fresh parent per run: RUSAGE_CHILDREN then holds this run's peak alone
            probe = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:], capture_output=True)"
                     ".returncode; print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            done = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "creditrisk.cli", "--root",
                                   str(ROOT), "monitor", "--traffic", str(log_dir), "--days", "7"],
                                  capture_output=True, text=True, env=os.environ | {"PYTHONWARNINGS": "ignore"},
                                  cwd=ROOT, check=True)
            wall = time.perf_counter() - started
            code, peak = (int(v) for v in done.stdout.split())
            verdict = {0: "ok", 3: "no verdict", 4: "drift alert"}.get(code, f"exit {code}")
            note = ""
            print(f"| {clients:,} | {size / 2**20:.1f} MB | {wall:.1f} s | {peak / 1024:.0f} MB{note} | {verdict} |",
                  flush=True)


if __name__ == "__main__":
    main()
