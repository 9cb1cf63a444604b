"""How close does the pipeline come to the oracle, and how much of the gap is the data size? Synthetic runs only.

For each number of applicants (``--sizes``) and each synthetic world (``--seeds``: ``base.seed``, which draws the
data, the holdout and the models), a fresh project folder runs the pipeline's stages as `dvc repro` would
(``creditrisk --root DIR stage``: generate, ingest, features, tune, train, evaluate) with params.yaml and the
``--set`` overrides (e.g. the Makefile's FULL_RECIPE), and the table gives the holdout's AUC, the true PD's
(the oracle's) AUC on the same clients, their ratio with its paired bootstrap interval (holdout rows resampled,
``evaluate.bootstrap`` times), and the same for the cost per client; then each size's mean and sample sd over
the worlds. A world's ratio moves with its training sample and with its holdout: the seeds show both, the
bootstrap interval only the second.

Usage: python benchmarks/oracle_share.py [--sizes 30000 60000] [--seeds 42 1 2] [--set train.learning_rate=0.05 ...]
       [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("generate", "ingest", "features", "tune", "train", "evaluate")
FIGURES = ("auc", "oracle_auc", "auc_to_oracle", "business_cost_per_client", "oracle_cost_per_client",
           "cost_to_oracle")


def settings(overrides: list[str], size: int, seed: int) -> dict:
    """params.yaml with ``generate.n_train``, ``base.seed`` and the ``KEY=VALUE`` overrides (values read as YAML)."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for item in [f"generate.n_train={size}", f"base.seed={seed}", *overrides]:
        key, _, value = item.partition("=")
        section, _, name = key.partition(".")
        if section not in params or name not in params[section]:
            raise SystemExit(f"--set {item}: params.yaml has no {key}")
        params[section][name] = yaml.safe_load(value)
    return params


def run_world(params: dict) -> dict:
    """The stages in a fresh folder; reports/metrics.json's figures, the trees and the minutes taken."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        started = time.perf_counter()
        for stage in STAGES:
            subprocess.run([sys.executable, "-m", "creditrisk.cli", "--root", tmp, "stage", stage], check=True,
                           cwd=tmp, capture_output=True, text=True)
        metrics = json.loads((Path(tmp) / "reports" / "metrics.json").read_text())
        selection = json.loads((Path(tmp) / "reports" / "model_selection.json").read_text())
        tuning = json.loads((Path(tmp) / "reports" / "tuning.json").read_text())
    row = {name: metrics[name] for name in FIGURES}
    row |= {f"{name}_ci95": [metrics[f"{name}_ci95_low"], metrics[f"{name}_ci95_high"]]
            for name in ("auc_to_oracle", "cost_to_oracle")}
    row |= {"trees": selection["trees"], "depth": tuning["best_params"]["depth"],
            "minutes": (time.perf_counter() - started) / 60}
    return row


def interval(row: dict, name: str) -> str:
    bounds = row.get(f"{name}_ci95")
    return f" [{bounds[0]:.3f}, {bounds[1]:.3f}]" if bounds else ""


def table(rows: list[dict]) -> str:
    lines = ["| applicants | seed | AUC | oracle AUC | AUC / oracle [95 % holdout interval] | cost | oracle cost | "
             "cost / oracle [95 % holdout interval] | depth x trees | minutes |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in dict.fromkeys(r["size"] for r in rows):
        group = [r for r in rows if r["size"] == size]
        for r in group:
            lines.append(f"| {size:,} | {r['seed']} | {r['auc']:.4f} | {r['oracle_auc']:.4f} | "
                         f"{r['auc_to_oracle']:.4f}{interval(r, 'auc_to_oracle')} | "
                         f"{r['business_cost_per_client']:.4f} | {r['oracle_cost_per_client']:.4f} | "
                         f"{r['cost_to_oracle']:.4f}{interval(r, 'cost_to_oracle')} | {r['depth']} x {r['trees']} | "
                         f"{r['minutes']:.1f} |")
        if len(group) > 1:
            for label, stat in (("mean", np.mean), ("sd", lambda v: np.std(v, ddof=1))):
                cells = [f"{stat([r[name] for r in group]):.4f}" for name in FIGURES]
                lines.append(f"| **{size:,}** | **{label}** | " + " | ".join(f"**{c}**" for c in cells)
                             + " | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[30_000, 60_000], help="applicants (n_train)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2], help="base.seed of each world")
    parser.add_argument("--set", dest="overrides", nargs="*", default=[], metavar="KEY=VALUE",
                        help="params.yaml overrides, e.g. the Makefile's FULL_RECIPE")
    parser.add_argument("--table", type=Path, nargs="*", default=None, help="print stored runs, run nothing")
    parser.add_argument("--out", type=Path, help="write the rows as JSON (one file per run)")
    args = parser.parse_args()
    if args.table is not None:
        print(table([row for path in args.table for row in json.loads(path.read_text())["rows"]]))
        return
    rows = []
    for size in args.sizes:
        for seed in args.seeds:
            rows.append({"size": size, "seed": seed} | run_world(settings(args.overrides, size, seed)))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
            if args.out:
                args.out.write_text(json.dumps({"overrides": args.overrides, "rows": rows}, indent=1))
    print(table(rows))


if __name__ == "__main__":
    main()
