"""Post-deploy smoke test (deploy workflow; also run by the tests against a local `bentoml serve`).

Checks that the API is ready, that an unauthenticated score is refused, that one production client is scored
with a valid answer, and (optionally) that the dashboard answers. Standard library only. Exit 0 = healthy.

    CREDITRISK_API_KEY=... python scripts/smoke_deploy.py --api URL [--dashboard URL] [--wait 600]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request


def _request(url: str, body: dict | None = None, key: str | None = None, timeout: float = 20) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} | ({"X-API-Key": key} if key else {})
    request = urllib.request.Request(url, data=data, headers=headers, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_ready(url: str, seconds: float) -> None:
    """Free platforms sleep idle services: wait for the cold start (and the new deploy) to answer."""
    deadline = time.time() + seconds
    while True:
        try:
            if _request(f"{url}/readyz", timeout=10)[0] == 200:
                return
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            pass
        if time.time() > deadline:
            raise SystemExit(f"FAIL {url}/readyz did not answer 200 within {seconds:.0f} s")
        time.sleep(5)


def check_api(url: str, key: str) -> list[str]:
    failures = []
    status, _ = _request(f"{url}/score", {"client_ids": [0]})
    if status != 401:
        failures.append(f"score without a key answered {status}, expected 401")
    status, text = _request(f"{url}/clients", {"limit": 1}, key)
    if status != 200 or not json.loads(text)["clients"]:
        return failures + [f"/clients answered {status}: {text[:200]}"]
    client = json.loads(text)["clients"][0]["client_id"]
    status, text = _request(f"{url}/score", {"client_ids": [client]}, key)
    if status != 200:
        return failures + [f"/score answered {status}: {text[:200]}"]
    result = json.loads(text)["results"][0]
    if not (0 <= result["probability_of_default"] <= 1 and result["decision"] in ("accept", "review", "refuse")):
        failures.append(f"/score gave an invalid answer: {result}")
    print(f"ok   scored client {client}: PD {result['probability_of_default']:.3f}, {result['decision']}, "
          f"model version {result['model_version']}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", required=True)
    parser.add_argument("--dashboard")
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for the API to be ready")
    args = parser.parse_args(argv)
    key = os.environ.get("CREDITRISK_API_KEY", "")
    if not key:
        print("FAIL CREDITRISK_API_KEY is not set", file=sys.stderr)
        return 2
    api = args.api.rstrip("/")
    wait_ready(api, args.wait)
    print(f"ok   {api}/readyz")
    failures = check_api(api, key)
    if args.dashboard:
        status, _ = _request(f"{args.dashboard.rstrip('/')}/_stcore/health")
        if status != 200:
            failures.append(f"dashboard health answered {status}")
        else:
            print(f"ok   {args.dashboard} health")
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
