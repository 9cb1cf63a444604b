"""Evidently drift report at full Kaggle size: 307,511 modelling rows vs 48,744 production rows.

Raw application columns (+ missing indicators), no sampling, then the same with a 50,000-row sample of the
reference. Prints wall time, peak RSS and the verdicts; needs DIR/interim from generate_full_size.py.
Usage: python benchmarks/drift_full_size.py --interim DIR/interim
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    import polars as pl

    from creditrisk.monitoring.drift import prepare, run_report, summarize

    parser = argparse.ArgumentParser()
    parser.add_argument("--interim", type=Path, required=True)
    args = parser.parse_args()
    reference = pl.read_parquet(args.interim / "application_train.parquet").to_pandas()
    current = pl.read_parquet(args.interim / "application_test.parquet").to_pandas()
    out = Path(tempfile.mkdtemp(prefix="drift-"))
    print("| reference rows | current rows | columns tested | drifted | report (s) | HTML (MB) | peak RSS (GB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for label, ref in (("all", reference), ("sample", reference.sample(n=50_000, random_state=42))):
        start = time.perf_counter()
        snapshot = run_report(prepare(ref, current))
        summary = summarize(snapshot.dict())
        html = out / f"{label}.html"
        snapshot.save_html(str(html))
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print(f"| {len(ref):,} | {len(current):,} | {summary['n_columns']} | {summary['n_drifted']} | {seconds:.0f} | "
              f"{html.stat().st_size / 1e6:.1f} | {peak:.1f} |")
        print(f"|  drifted: {', '.join(summary['drifted_columns'])} |||||||")


if __name__ == "__main__":
    main()
