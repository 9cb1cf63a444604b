"""The security review's attacks, re-run against `bentoml serve` (its own key, loopback, default workers).

For each attack: the status answered, the time it took, and the workers' resident memory (all workers together)
before, at its peak (sampled every 20 ms while the attack runs) and after. Then kill -9 of one worker under load
at concurrency 32: failed requests and the longest time without a successful answer.

    python benchmarks/service_attacks.py [--port 3139]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pandas as pd
import psutil
from service_latency import KEY, ROOT, _serve, _wait_ready  # one way to start and wait for the server

AUTH = {"X-API-Key": KEY}
JSON = AUTH | {"Content-Type": "application/json"}


def workers(server: psutil.Process) -> list[psutil.Process]:
    alive = []
    for child in server.children(recursive=True):
        with contextlib.suppress(psutil.Error):  # a worker may die (or be a zombie) while it is looked at
            if child.status() != psutil.STATUS_ZOMBIE and "_bentoml_impl.worker" in " ".join(child.cmdline()):
                alive.append(child)
    return alive


def rss(server: psutil.Process) -> float:
    total = 0
    for worker in workers(server):
        with contextlib.suppress(psutil.Error):  # a worker may be gone
            total += worker.memory_info().rss
    return total / 2**20


def measure(server: psutil.Process, attack) -> tuple[str, float, float, float, float]:
    before, peak, stop = rss(server), [0.0], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss(server))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    try:
        status = attack()
    finally:
        took = time.perf_counter() - started
        stop.set()
        sampler.join()
    return status, took, before, max(peak[0], before), rss(server)


def attacks(url: str, ids: list[int], applicant: dict) -> dict:
    def unknown_paths() -> str:
        with httpx.Client(base_url=url, timeout=60) as http:
            codes = {http.get(f"/nx-{i}", headers=AUTH).status_code for i in range(5000)}
            size = len(http.get("/metrics", headers=AUTH).content)
        return f"{sorted(codes)}; /metrics {size / 1024:.0f} KB"

    def big_body(megabytes: int, parallel: int = 1) -> str:
        body = b'{"client_ids": [' + b",".join([b"1"] * (megabytes * 2**20 // 2)) + b"]}"

        def one(_: int) -> int:
            return httpx.post(f"{url}/score", content=body, headers=JSON, timeout=60).status_code

        with ThreadPoolExecutor(parallel) as pool:
            return str(sorted(set(pool.map(one, range(parallel)))))

    def chunked_body() -> str:
        def chunks():
            for _ in range(50):
                yield b" " * 2**20

        return str(httpx.post(f"{url}/score", content=chunks(), headers=JSON, timeout=60).status_code)

    def history_rows(rows: int) -> str:
        pos = [{"SK_ID_PREV": 1, "SK_ID_CURR": applicant["SK_ID_CURR"], "MONTHS_BALANCE": -1 - (i % 90),
                "CNT_INSTALMENT": 12.0, "CNT_INSTALMENT_FUTURE": 6.0, "NAME_CONTRACT_STATUS": "Active",
                "SK_DPD": 0, "SK_DPD_DEF": 0} for i in range(rows)]
        body = json.dumps({"records": {"application": [applicant], "POS_CASH_balance": pos}}).encode()
        answer = httpx.post(f"{url}/score", content=body, headers=JSON, timeout=60)
        return f"{answer.status_code} ({len(body) / 2**20:.1f} MB)"

    def headers(size: int, count: int) -> str:
        try:
            return str(httpx.get(f"{url}/readyz", headers={f"X-H{i}": "v" * size for i in range(count)},
                                 timeout=60).status_code)
        except httpx.HTTPError as error:
            return type(error).__name__

    def unknown_field() -> str:
        body = json.dumps({"client_ids": ids[:1], "padding": "x" * 3_000_000}).encode()
        return str(httpx.post(f"{url}/score", content=body, headers=JSON, timeout=60).status_code)

    def metrics_without_key() -> str:
        return str(httpx.get(f"{url}/metrics", timeout=60).status_code)

    return {"5,000 distinct unknown paths": unknown_paths,
            "50 MB body of ids": lambda: big_body(50), "four 50 MB bodies at once": lambda: big_body(50, 4),
            "50 MB chunked body (no length)": chunked_body,
            "12,000 history rows for one applicant": lambda: history_rows(12_000),
            "300,000 history rows for one applicant": lambda: history_rows(300_000),
            "one 10 MB header": lambda: headers(10 * 2**20, 1), "10,000 headers": lambda: headers(10, 10_000),
            "3 MB body with an unknown field": unknown_field, "/metrics without the key": metrics_without_key}


def kill_under_load(url: str, server: psutil.Process, ids: list[int], concurrency: int = 32) -> str:
    stop, outcomes = threading.Event(), []

    def load() -> None:
        with httpx.Client(base_url=url, timeout=10, headers=AUTH) as http:
            while not stop.is_set():
                try:
                    ok = http.post("/score", json={"client_ids": ids[:5]}).status_code == 200
                except httpx.TransportError:
                    ok = False
                outcomes.append((time.monotonic(), ok))

    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(load)
        time.sleep(3)
        killed = time.monotonic()
        os.kill(workers(server)[0].pid, signal.SIGKILL)
        time.sleep(6)
        stop.set()
    after = sorted(t for t, ok in outcomes if ok and t > killed)
    gaps = [b - a for a, b in zip([killed, *after], after, strict=False)]
    failed = sum(not ok for _, ok in outcomes)
    return (f"kill -9 of one of {len(workers(server))} workers at concurrency {concurrency}: {len(outcomes)} "
            f"requests, {failed} failed, longest time without a successful answer {max(gaps):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3139)
    args = parser.parse_args()
    import tempfile
    from pathlib import Path

    url = f"http://127.0.0.1:{args.port}"
    process = _serve(args.port, Path(tempfile.mkdtemp(prefix="traffic-")))
    try:
        _wait_ready(url)
        server = psutil.Process(process.pid)
        ids = pd.read_parquet(ROOT / "models" / "serving" / "population.parquet")["SK_ID_CURR"].tolist()
        row = pd.read_parquet(ROOT / "models" / "serving" / "applications.parquet").iloc[0]
        applicant = {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        print("| attack | answer | time (s) | workers' RSS before / peak / after (MB) |")
        print("|---|---|---:|---|")
        for name, attack in attacks(url, ids, applicant).items():
            status, took, before, peak, after = measure(server, attack)
            print(f"| {name} | {status} | {took:.2f} | {before:.0f} / {peak:.0f} / {after:.0f} |", flush=True)
        print()
        print(kill_under_load(url, server, ids))
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
