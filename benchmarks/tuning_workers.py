"""Tuning with 1 and 2 workers on one study: trials per minute, duplicates, the budget.

A small labelled set (the first --rows training rows of data/features, the features stage's output) and the
project's objective (`creditrisk.model.tuning.tune`: 2-fold CV business cost, CatBoost with 2 threads, pruning);
a fresh journal per run; 1 worker, then 2 workers started as `creditrisk tune-worker` starts them (the study
created once, worker k seeded with seed + k). Runs alternate (--repeats) and the table gives medians.

    python benchmarks/tuning_workers.py [--rows 6000] [--trials 8] [--repeats 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _data(rows: int):
    from creditrisk.model.data import load_training_data

    data = load_training_data(ROOT / "data" / "features" / "train.parquet", ROOT / "reports" / "feature_catalogue.json")
    return data.subset(list(range(rows)))


def _worker(journal: str, worker: int, trials: int, rows: int) -> None:
    import warnings

    from creditrisk.config import CatBoostParams, CostParams
    from creditrisk.model.training import stratified_folds
    from creditrisk.model.tuning import open_storage, tune

    warnings.filterwarnings("ignore")
    data = _data(rows)
    tune(data.x, data.y, data.categorical, CatBoostParams(iterations=200), stratified_folds(data.y, 2, 42), 42,
         CostParams(), trials, None, open_storage("journal", journal), worker=worker)


def run(workers: int, trials: int, rows: int) -> dict:
    import optuna

    from creditrisk.model.tuning import open_storage, open_study

    with tempfile.TemporaryDirectory() as tmp:
        journal = str(Path(tmp) / "study.journal")
        open_study(open_storage("journal", journal), 42)
        context = multiprocessing.get_context("spawn")
        start = time.perf_counter()
        processes = [context.Process(target=_worker, args=(journal, k + 1, trials, rows)) for k in range(workers)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        seconds = time.perf_counter() - start
        trials = open_study(open_storage("journal", journal), 42).trials
    done = [t for t in trials if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)]
    keys = [tuple(sorted(t.params.items())) for t in done]
    return {"seconds": seconds, "finished": len(done), "failed": len(trials) - len(done),
            "duplicates": len(keys) - len(set(keys)), "per_minute": len(done) / seconds * 60}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    results: dict[int, list[dict]] = {1: [], 2: []}
    for _ in range(args.repeats):
        for workers in (1, 2):  # alternated
            results[workers].append(run(workers, args.trials, args.rows))
    print(f"{args.rows} rows, budget {args.trials} trials, {args.repeats} alternated runs (medians)\n")
    print("| workers | wall s | trials/min | finished | over-budget FAIL | duplicates |")
    print("|---:|---:|---:|---:|---:|---:|")
    for workers, runs in results.items():
        print(f"| {workers} | {statistics.median(r['seconds'] for r in runs):.1f} | "
              f"{statistics.median(r['per_minute'] for r in runs):.1f} | {[r['finished'] for r in runs]} | "
              f"{[r['failed'] for r in runs]} | {[r['duplicates'] for r in runs]} |")


if __name__ == "__main__":
    main()
