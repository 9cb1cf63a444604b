"""Latency and throughput of the scoring service on loopback, against the in-process floor, in one run.

Starts `bentoml serve` from the project root (the model published by `dvc repro`), then for each request kind
(score one client by id, score one client from raw records, explain one client): concurrency 1 (sequential
requests) and concurrency 32 (32 clients in flight for --duration seconds), and the same work called in process
on the Scorer (no HTTP: the floor). The load generator (httpx, asyncio) runs on the same 2-core machine.

    python benchmarks/service_latency.py [--duration 60] [--requests 300] [--port 3137]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
KEY = "benchmark-key"
SERVER_LOG = ROOT / "build" / "benchmark-serve.log"
# uvicorn's default keep-alive (5 s) equals httpx's idle expiry: a request sent on a connection the server is
# closing at that instant is reset (1-2 ReadErrors per 25,000 requests at concurrency 32). As deployed: 75 s.
KEEP_ALIVE = 75


def _percentiles(samples: list[float]) -> dict:
    ms = np.array(samples) * 1000
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99))}


def _payloads(client_id: int) -> dict[str, tuple[str, dict]]:
    from creditrisk.data import schema
    from creditrisk.features.builder import client_rows

    interim = ROOT / "data" / "interim"
    tables = {n: pl.read_parquet(interim / f"{n}.parquet") for n in schema.ALL_TABLES if n != "application_train"}
    rows = client_rows(tables, client_id)
    records = {name: json.loads(frame.write_json()) for name, frame in rows.items()}
    return {"score by id": ("/score", {"client_ids": [client_id]}),
            "score from raw records": ("/score", {"records": records}),
            "explain": ("/explain", {"client_id": client_id})}


def _in_process(client_id: int, payloads: dict, n: int) -> dict[str, dict]:
    from creditrisk.service.api import _tables
    from creditrisk.service.requests import RawRecords
    from creditrisk.service.scorer import Scorer, ServingData

    scorer = Scorer(ServingData.load(ROOT / "models" / "serving"))
    records = RawRecords.model_validate(payloads["score from raw records"][1]["records"])
    calls = {"score by id": lambda: scorer.score_ids([client_id]),
             "score from raw records": lambda: scorer.score_records(_tables(records)),
             "explain": lambda: scorer.explain(scorer.score_ids([client_id]))}
    out = {}
    for name, call in calls.items():
        call()
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
        out[name] = _percentiles(samples) | {"throughput": n / sum(samples)}
    return out


def _serve(port: int, traffic: Path = ROOT / "data" / "traffic-benchmark") -> subprocess.Popen:
    """`bentoml serve` from the project root as deployed (keep-alive included), its log in SERVER_LOG."""
    env = os.environ | {"CREDITRISK_API_KEY": KEY, "BENTOML_DO_NOT_TRACK": "true",
                        "CREDITRISK_TRAFFIC_DIR": str(traffic)}
    bentoml = Path(sys.executable).parent / "bentoml"
    SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
    with open(SERVER_LOG, "w") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([str(bentoml), "serve", "--port", str(port), "--host", "127.0.0.1",
                                 "--timeout-keep-alive", str(KEEP_ALIVE)], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)


def _wait_ready(url: str, timeout: float = 120) -> float:
    import httpx

    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout} s")


async def _load(url: str, path: str, body: dict, concurrency: int, duration: float | None, n: int | None) -> dict:
    import httpx

    samples: list[float] = []
    errors = 0
    # encoded once: serialising the 88 KB raw-records body is the load generator's work, not the service's
    payload = json.dumps(body).encode()
    headers = {"X-API-Key": KEY, "Content-Type": "application/json"}
    kinds: dict[str, int] = {}
    deadline = time.perf_counter() + duration if duration else None
    remaining = [n]

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while True:
            if deadline and time.perf_counter() >= deadline:
                return
            if n is not None:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            start = time.perf_counter()
            try:
                response = await client.post(f"{url}{path}", content=payload, headers=headers)
                ok = response.status_code == 200
                kind = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as error:
                ok, kind = False, f"{type(error).__name__}: {error}"
            if not ok:
                kinds[kind] = kinds.get(kind, 0) + 1
            samples.append(time.perf_counter() - start)
            errors += not ok

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return _percentiles(samples) | {"throughput": len(samples) / elapsed, "requests": len(samples),
                                    "errors": errors, "error_kinds": kinds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load at concurrency 32")
    parser.add_argument("--requests", type=int, default=300, help="sequential requests at concurrency 1")
    parser.add_argument("--port", type=int, default=3137)
    args = parser.parse_args()

    import pandas as pd

    client_id = int(pd.read_parquet(ROOT / "models" / "serving" / "population.parquet")["SK_ID_CURR"].iloc[0])
    payloads = _payloads(client_id)
    floor = _in_process(client_id, payloads, args.requests)
    url = f"http://127.0.0.1:{args.port}"
    server = _serve(args.port)
    try:
        cold = _wait_ready(url)
        rows = []
        for name, (path, body) in payloads.items():
            asyncio.run(_load(url, path, body, 1, None, 20))  # warm-up
            one = asyncio.run(_load(url, path, body, 1, None, args.requests))
            many = asyncio.run(_load(url, path, body, 32, args.duration, None))
            rows.append((name, floor[name], one, many))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"bentoml serve cold start to /readyz: {cold:.1f} s; client {client_id}; "
          f"{args.requests} sequential requests; {args.duration:.0f} s at concurrency 32\n")
    print("| request | in-process p50 / p99 (ms) | c=1 p50 / p95 / p99 (ms) | c=1 req/s | "
          "c=32 p50 / p95 / p99 (ms) | c=32 req/s | c=32 requests / errors |")
    print("|---|---|---|---|---|---|---|")
    for name, f, one, many in rows:
        print(f"| {name} | {f['p50']:.2f} / {f['p99']:.2f} | {one['p50']:.1f} / {one['p95']:.1f} / {one['p99']:.1f} | "
              f"{one['throughput']:.0f} | {many['p50']:.1f} / {many['p95']:.1f} / {many['p99']:.1f} | "
              f"{many['throughput']:.0f} | {many['requests']} / {many['errors']} |")
    for name, _, one, many in rows:
        for kind, count in {**one["error_kinds"], **many["error_kinds"]}.items():
            print(f"error in '{name}': {count} x {kind}")
    print(f"\nmedian of medians: {statistics.median(r[2]['p50'] for r in rows):.1f} ms")


if __name__ == "__main__":
    main()
