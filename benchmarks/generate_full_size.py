"""Full Kaggle-size synthetic data: wall time and peak memory of generation, ingestion and validation.

Each step runs in its own process (peak RSS of that process, from the kernel's rusage). Prints a markdown table.
Usage: python benchmarks/generate_full_size.py [--workdir DIR] [--skip-validate]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FULL_TRAIN, FULL_TEST = 307_511, 48_744
GOALS = {"generate": "< 600 s, < 8 GB"}


def _step(name: str, code: str) -> dict:
    """Run ``code`` in a fresh interpreter; its last output line is its own peak RSS (KiB, Linux rusage)."""
    wrapped = code + "\nimport resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    *output, peak_kib = done.stdout.strip().splitlines()
    return {"step": name, "seconds": seconds, "peak_rss_gb": int(peak_kib) / 1024**2, "output": "\n".join(output)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--skip-validate", action="store_true")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="fullsize-"))
    rows = [_step("generate", f"""
import json
from pathlib import Path
from creditrisk.data.synthetic.generator import generate
s = generate({FULL_TRAIN}, {FULL_TEST}, 42, Path(r'{work}') / 'synthetic', Path(r'{work}') / 'oracle')
print(json.dumps({{'rows': s.rows, 'default_rate': s.default_rate, 'bayes_auc': s.bayes_auc}}))
""")]
    rows.append(_step("ingest", f"""
import json
from pathlib import Path
from creditrisk.data.ingest import ingest
print(json.dumps(ingest(Path(r'{work}') / 'synthetic', Path(r'{work}') / 'interim').tables))
"""))
    if not args.skip_validate:
        rows.append(_step("validate", f"""
from pathlib import Path
from creditrisk.data.checks import validate_dir
r = validate_dir(Path(r'{work}') / 'interim')
print(r.success, len(r.checks), len(r.failures))
"""))
    generated = json.loads(rows[0]["output"])
    child_rows = sum(v for k, v in generated["rows"].items() if not k.startswith("application"))
    size_gb = sum(p.stat().st_size for p in (work / "synthetic").iterdir()) / 1024**3
    print(f"Full-size synthetic data: {FULL_TRAIN:,} + {FULL_TEST:,} applicants, {child_rows:,} history rows, "
          f"{size_gb:.2f} GB of CSV; default rate {generated['default_rate']:.4f}, "
          f"Bayes AUC {generated['bayes_auc']:.4f}\n")
    print("| step | wall time (s) | peak RSS (GB) | goal |")
    print("|---|---:|---:|---|")
    for row in rows:
        print(f"| {row['step']} | {row['seconds']:.0f} | {row['peak_rss_gb']:.2f} | {GOALS.get(row['step'], '')} |")
    print("\nRows per table:", json.dumps(generated["rows"]))
    if len(rows) > 2:
        print("Validation (success, checks, failures):", rows[2]["output"])


if __name__ == "__main__":
    main()
