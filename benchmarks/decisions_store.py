"""The decision store under load: records per second and the latency recording adds, SQLite and PostgreSQL; and
the time `verify` takes on 1 M records.

Load: C threads (8, then 32) each score one production client by id with the published champion
(models/serving, the service's Scorer) and record the answer (the service's DecisionRecorder, one transaction
per request), for a fixed time. A decision is recorded once per application (client, model row, model version):
so that every request is a first scoring, each pass of a thread over the production clients gives its recorder
a model version number of its own (views of a recorded application write nothing and are not measured here).
Keyed chain (HMAC) and a checkpoint after every record (the defaults). Each request's time is split into
scoring alone and scoring + recording, in the same run; records/s counts what was committed. In process, not
over HTTP: the web layer adds the same milliseconds with or without recording (docs/service.md has its
latency). PostgreSQL: a throwaway server from the Debian binaries (fsync off, as the tests'; a production
server with fsync on commits slower).

Verify: 1 M records of 40-value model rows (the chain's cost grows with the row's size: the per-record time of
full 616-value rows is measured beside it on 20,000 records). Prints markdown tables (docs/decisions.md).
Medians of --repeats load runs, the engines alternating.
Usage: python benchmarks/decisions_store.py [--seconds 20] [--repeats 3] [--verify-records 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _load(recorder, scorer, ids: list[int], threads: int, seconds: float) -> dict:
    import copy

    score_ms, total_ms, lock = [], [], threading.Lock()
    stop = time.monotonic() + seconds
    passes = iter(range(10**6, 10**9))  # model version numbers of no real model: one per pass, every scoring new

    def work(k: int) -> None:
        i = k
        mine = copy.copy(recorder)  # the same store and scorer, its own model version number
        while time.monotonic() < stop:
            if (i - k) % len(ids) < threads:
                with lock:
                    mine.fixed = recorder.fixed | {"model_version": next(passes)}
            client = ids[i % len(ids)]
            i += threads
            start = time.perf_counter()
            scores = scorer.score_ids([client])
            scored = time.perf_counter()
            mine.record(scores, [{"client_id": client}])
            done = time.perf_counter()
            with lock:
                score_ms.append(1000 * (scored - start))
                total_ms.append(1000 * (done - start))

    started = time.monotonic()
    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    return {"records_per_s": len(total_ms) / elapsed, "requests": len(total_ms),
            "score_p50": _q(score_ms, 0.5), "score_p99": _q(score_ms, 0.99),
            "total_p50": _q(total_ms, 0.5), "total_p99": _q(total_ms, 0.99),
            "added_p50": _q(total_ms, 0.5) - _q(score_ms, 0.5), "added_p99": _q(total_ms, 0.99) - _q(score_ms, 0.99)}


def _q(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] if q < 1 else max(values)


def _verify_time(url: str, records: int, width: int) -> dict:
    """Fill a store with ``records`` model records of ``width``-value rows (batches of 5,000), then verify."""
    import json

    from creditrisk.decisions.store import DecisionStore, ModelDecision, migrate

    migrate(url)
    store = DecisionStore(url, checkpoints=Path(tempfile.mkdtemp()) / "verify.checkpoints")
    row = json.dumps([0.123456789 * k for k in range(width)])

    def batch(version: int) -> list:  # a model version per batch: every record a new application
        return [ModelDecision(client_id=100_000 + k, channel="id", input='{"client_id": 1}', features=row,
                              model_version=version, model_hash="a" * 64, feature_version="f" * 16, threshold=0.08,
                              review_band=0.01, pd=0.05, auto_decision="accept", reasons=None) for k in range(5000)]

    start = time.perf_counter()
    for version in range(records // 5000):
        store.record_model(batch(version + 1))
    filled = time.perf_counter() - start
    start = time.perf_counter()
    result = store.verify()
    seconds = time.perf_counter() - start
    store.close()
    assert result["intact"] and result["records"] == records, result
    return {"records": records, "width": width, "fill_s": filled, "verify_s": seconds,
            "us_per_record": 1e6 * seconds / records}


def main() -> None:
    from creditrisk.decisions.store import DecisionStore, migrate
    from creditrisk.service.records import DecisionRecorder
    from creditrisk.service.scorer import Scorer, ServingData
    from tests.engines import create_database, postgres_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--verify-records", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="load runs per engine and concurrency (medians)")
    parser.add_argument("--threads", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--engines", nargs="+", default=["SQLite", "PostgreSQL"])
    parser.add_argument("--no-verify", action="store_true", help="the load table only")
    args = parser.parse_args()
    import os
    import secrets

    os.environ.setdefault("CREDITRISK_CHAIN_KEY", secrets.token_urlsafe(48))  # a key of this run's own
    data = ServingData.load(ROOT / "models" / "serving")
    scorer = Scorer(data)
    ids = [int(c) for c in data.production.index]
    work = Path(tempfile.mkdtemp(prefix="decisions-bench-"))
    rows, verify = [], []
    with postgres_server() as server:
        urls = {"SQLite": f"sqlite:///{work / 'load.db'}", "PostgreSQL": create_database(server, "load")}
        urls = {engine: url for engine, url in urls.items() if engine in args.engines}
        runs: dict[tuple[str, int], list[dict]] = {}
        for url in urls.values():
            migrate(url)
        for _ in range(args.repeats):  # the engines alternate
            for engine, url in urls.items():
                store = DecisionStore(url, checkpoints=work / f"{engine}.checkpoints")
                recorder = DecisionRecorder(store, scorer)
                for threads in args.threads:
                    result = _load(recorder, scorer, ids, threads, args.seconds)
                    runs.setdefault((engine, threads), []).append(result)
                    print(engine, threads, result, flush=True)
                store.close()
        for (engine, threads), done in runs.items():
            rows.append({key: statistics.median(r[key] for r in done) for key in done[0]}
                        | {"engine": engine, "threads": threads, "runs": len(done)})
        for engine in ([] if args.no_verify else args.engines):
            for records, width in ((args.verify_records, 40), (20_000, len(scorer.features))):
                url = (f"sqlite:///{work / f'verify-{width}.db'}" if engine == "SQLite"
                       else create_database(server, f"verify_{width}"))
                result = _verify_time(url, records, width) | {"engine": engine}
                verify.append(result)
                print(result, flush=True)
    print("\n| engine | concurrency | runs | records/s | score p50 / p99 ms | score + record p50 / p99 ms "
          "| added p50 / p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['engine']} | {r['threads']} | {r['runs']} | {r['records_per_s']:.0f} | {r['score_p50']:.1f} / "
              f"{r['score_p99']:.1f} | {r['total_p50']:.1f} / {r['total_p99']:.1f} | {r['added_p50']:.1f} / "
              f"{r['added_p99']:.1f} |")
    print("\n| engine | records | values per model row | fill s | verify s | µs per record |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in verify:
        print(f"| {r['engine']} | {r['records']:,} | {r['width']} | {r['fill_s']:.0f} | {r['verify_s']:.1f} | "
              f"{r['us_per_record']:.1f} |")


if __name__ == "__main__":
    main()
