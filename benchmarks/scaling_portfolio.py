"""Portfolio re-scoring on Spark (local mode) against the single-node polars path: applicants per second per core.

For each portfolio size (the first N applicants of the full-size synthetic data, their history rows with them)
and each core count (Spark local[1], local[2]), the two Spark commands run as a user runs them
(`creditrisk bucket`, `creditrisk score-portfolio`, each its own process, session start included), alternating
the core counts; the single-node baseline builds the features of the whole tables in one process (the features
stage's path) and scores them with the same champion. Peak memory: the largest resident set of the JVM (Spark's
driver and local executor) and of one Python worker (one task), sampled every 0.2 s.

Needs: pyspark + Java (`make spark`), a registered champion (`dvc repro`), the full-size data (generated into
--workdir when absent: ~10 min). Prints a markdown table (docs/scaling.md).
Usage: python benchmarks/scaling_portfolio.py [--workdir DIR] [--sizes 100000 300000 0] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ("bureau", "bureau_balance", "previous_application", "POS_CASH_balance", "installments_payments",
           "credit_card_balance")


def _full_size(work: Path) -> Path:
    """The full-size synthetic data, ingested (generated once into ``work``)."""
    interim = work / "interim"
    if not (interim / "manifest.json").exists():
        subprocess.run([sys.executable, "-m", "creditrisk.cli", "--root", str(work), "generate", "--full-size"],
                       check=True, cwd=work)
        from creditrisk.data.ingest import ingest

        ingest(work / "data" / "synthetic", interim)
    return interim


def _subset(interim: Path, size: int, work: Path) -> Path:
    """The first ``size`` applicants of application_train with every history row of theirs (0: everyone)."""
    import polars as pl

    from creditrisk.artefacts.catalogue import MANIFEST

    out = work / f"interim-{size or 'full'}"
    if (out / MANIFEST).exists():
        return out
    out.mkdir()
    apps = pl.scan_parquet(interim / "application_train.parquet")
    if size:
        apps = apps.head(size)
    apps.sink_parquet(out / "application_train.parquet")
    keys = pl.scan_parquet(out / "application_train.parquet").select("SK_ID_CURR")
    bureau = pl.scan_parquet(interim / "bureau.parquet").join(keys, on="SK_ID_CURR", how="semi")
    bureau.sink_parquet(out / "bureau.parquet")
    for name in HISTORY:
        if name == "bureau":
            continue
        table = pl.scan_parquet(interim / f"{name}.parquet")
        link = ("SK_ID_BUREAU", pl.scan_parquet(out / "bureau.parquet").select("SK_ID_BUREAU")) if (
            name == "bureau_balance") else ("SK_ID_CURR", keys)
        table.join(link[1], on=link[0], how="semi").sink_parquet(out / f"{name}.parquet")
    tables = {p.stem: pl.scan_parquet(p).select(pl.len()).collect().item() for p in out.glob("*.parquet")}
    (out / MANIFEST).write_text(json.dumps({"source_dir": str(interim), "tables": tables, "absent": []}))
    return out


class PeakMemory:
    """Peak resident set of the JVM and of the largest Python worker among a process's descendants."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.root, self.jvm, self.worker, self._stop = psutil.Process(pid), 0, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                for child in self.root.children(recursive=True):
                    rss, name = child.memory_info().rss, child.name()
                    if name == "java":
                        self.jvm = max(self.jvm, rss)
                    elif name.startswith("python"):
                        self.worker = max(self.worker, rss)
            except psutil.Error:
                pass
            time.sleep(0.2)

    def stop(self) -> tuple[float, float]:
        self._stop.set()
        self._thread.join()
        return self.jvm / 1024**3, self.worker / 1024**3


def _command(args: list[str]) -> dict:
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "creditrisk.cli", "--root", str(ROOT), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(process.pid)
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    jvm, worker = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{err[-3000:]}")
    return {"seconds": seconds, "jvm_gb": jvm, "worker_gb": worker, "result": json.loads(out)}


def _single_node(interim: Path) -> dict:
    """The features stage's path on the same tables, and the champion's PDs, in one fresh process."""
    code = f"""
import time, resource
from pathlib import Path
start = time.perf_counter()
from creditrisk.features import build_features
from creditrisk.artefacts import tracking
from creditrisk.artefacts.predictor import Predictor
from creditrisk.stages.common import load_tables
tracking.configure(Path({str(ROOT)!r}))
model, bundle, _ = tracking.load_champion()
tables = load_tables(Path({str(interim)!r}))
built = build_features({{"application": tables.pop("application_train"), **tables}}, columns=bundle.features)
Predictor(model, bundle).predict_proba(built.to_pandas())
print(time.perf_counter() - start, built.height, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"single node failed:\n{done.stderr[-3000:]}")
    seconds, rows, peak = done.stdout.split()[-3:]
    return {"seconds": float(seconds), "applicants": int(rows), "peak_gb": int(peak) / 1024**2}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "creditrisk-scaling")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 0], help="0: full size")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--buckets", type=int, default=8)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    full = _full_size(args.workdir)
    rows = []
    for size in args.sizes:
        interim = _subset(full, size, args.workdir)
        runs: dict[tuple[str, int], list[dict]] = {}
        for _ in range(args.repeats):
            for cores in (1, 2):  # alternated: the machine's noise falls on both
                buckets = args.workdir / f"buckets-{size}-{cores}"
                master = f"local[{cores}]"
                runs.setdefault(("bucket", cores), []).append(_command(
                    ["bucket", "--interim", str(interim), "--application", "application_train", "--out",
                     str(buckets), "--master", master, "--buckets", str(args.buckets)]))
                runs.setdefault(("score", cores), []).append(_command(
                    ["score-portfolio", "--buckets-dir", str(buckets), "--out", str(args.workdir / "scores"),
                     "--master", master]))
            runs.setdefault(("single node", 2), []).append(_single_node(interim))  # polars uses both cores
        applicants = runs[("single node", 2)][0]["applicants"]
        for (step, cores), done in runs.items():
            seconds = statistics.median(r["seconds"] for r in done)
            row = {"applicants": applicants, "step": step, "cores": cores, "seconds": seconds,
                   "per_core": applicants / seconds / cores,
                   "jvm_gb": max(r.get("jvm_gb", 0) for r in done),
                   "worker_gb": max(r.get("worker_gb", r.get("peak_gb", 0)) for r in done)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| applicants | step | cores | median s | applicants/s per core | peak JVM GB | peak Python worker GB |")
    print("|---:|---|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['applicants']:,} | {r['step']} | {r['cores']} | {r['seconds']:.1f} | {r['per_core']:,.0f} | "
              f"{r['jvm_gb']:.2f} | {r['worker_gb']:.2f} |")


if __name__ == "__main__":
    main()
