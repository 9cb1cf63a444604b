"""Features stage at full Kaggle size: polars builder vs a kernel-style pandas implementation, same run.

Needs ingested full-size tables (``python benchmarks/generate_full_size.py --workdir DIR`` writes DIR/interim).
Each implementation runs in its own process (``--repeats N``: N runs each, alternated; median shown); wall time
and that process's peak RSS are reported. Then the latency of building one client's features from its raw rows:
all of them, and only those the served champion reads (the service path; needs ``models/serving``).
Usage: python benchmarks/features_full_size.py --interim DIR/interim [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLARS = """
import polars as pl
from pathlib import Path
from creditrisk.features import build_features
from creditrisk.features.storage import write_feature_file
from creditrisk.stages.common import load_tables
tables = load_tables(Path(r'{interim}'))
apps = pl.concat([tables.pop('application_train').drop('TARGET'), tables.pop('application_test')])
out = build_features({{'application': apps, **tables}})
write_feature_file(out, Path(r'{out}') / 'polars.parquet')  # as the features stage writes its files
print(out.shape)
"""
PANDAS = """
import sys
from pathlib import Path
sys.path.insert(0, r'{bench}')
from pandas_features import build
out = build(Path(r'{interim}'))
out.to_parquet(Path(r'{out}') / 'pandas.parquet')
print(out.shape)
"""


def _run(code: str) -> tuple[float, float, str]:
    wrapped = code + "\nimport resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    *output, peak = done.stdout.strip().splitlines()
    return seconds, int(peak) / 1024**2, " ".join(output)


def single_client_latency(interim: Path, serving: Path, repeats: int = 200) -> dict[str, list[float]]:
    """ms per build of one client's features from its raw rows: every feature, and (as the service does) only
    the features the served champion's trees read."""
    import polars as pl

    from creditrisk.data import schema
    from creditrisk.features import build_features, catalogue
    from creditrisk.features.builder import client_rows
    from creditrisk.service.scorer import Scorer, ServingData

    tables = {name: pl.read_parquet(interim / f"{name}.parquet") for name in schema.ALL_TABLES}
    client = int(tables["installments_payments"]["SK_ID_CURR"][0])
    rows = client_rows(tables, client)
    del tables
    read = Scorer(ServingData.load(serving)).read  # exactly the columns the service asks the builder for
    columns = {f"all {len(catalogue())} features": None, f"the {len(read)} the champion reads (service path)": read}
    timings: dict[str, list[float]] = {}
    for name, wanted in columns.items():
        build_features(rows, columns=wanted)  # warm-up (expression planning caches)
        timings[name] = []
        for _ in range(repeats):
            start = time.perf_counter()
            build_features(rows, columns=wanted)
            timings[name].append((time.perf_counter() - start) * 1000)
    history_rows = sum(frame.height for name, frame in rows.items() if name != "application")
    print(f"one client ({history_rows} history rows), {repeats} builds each")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interim", type=Path, required=True)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--serving", type=Path, default=Path(__file__).resolve().parents[1] / "models" / "serving",
                        help="serving directory of the champion (written by `dvc repro`)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs of each implementation, alternated; the table shows the median run")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="features-bench-"))
    bench = Path(__file__).resolve().parent
    codes = {"polars builder (lazy, streaming)": POLARS.format(interim=args.interim, out=out)}
    if not args.skip_pandas:
        codes["pandas groupby/agg (kernel style)"] = PANDAS.format(interim=args.interim, out=out, bench=bench)
    runs: dict[str, list[tuple[float, float, str]]] = {name: [] for name in codes}
    for _ in range(args.repeats):  # alternated, so a slow spell of the machine hits both
        for name, code in codes.items():
            runs[name].append(_run(code))
    rows = []
    for name, results in runs.items():
        seconds = statistics.median(r[0] for r in results)
        rows.append((name, seconds, max(r[1] for r in results), results[0][2], [r[0] for r in results]))
    print("| implementation | wall time (s), median | runs (s) | peak RSS (GB) | output shape |")
    print("|---|---:|---|---:|---|")
    for name, seconds, peak, shape, each in rows:
        print(f"| {name} | {seconds:.1f} | {', '.join(f'{x:.1f}' for x in each)} | {peak:.2f} | {shape} |")
    if len(rows) == 2:
        print(f"\npolars is {rows[1][1] / rows[0][1]:.2f}x faster (medians) and uses {rows[0][2] / rows[1][2]:.2f} of "
              "the pandas peak memory (goals: >= 5x, <= 1/3; < 8 GB)")
    latencies = single_client_latency(args.interim, args.serving)  # prints the client's row count first
    print("\n| one client: build_features on its raw rows | p50 (ms) | p95 (ms) | p99 (ms) |\n|---|---:|---:|---:|")
    for name, timings in latencies.items():
        q = statistics.quantiles(timings, n=100)
        print(f"| {name} | {q[49]:.1f} | {q[94]:.1f} | {q[98]:.1f} |")


if __name__ == "__main__":
    main()
