"""Issue 28's attacks on the decisions of record, re-run against `bentoml serve` (loopback, its own key, default
workers, a fresh SQLite store in a temporary folder, a chain key and a checkpoint file of its own).

Prints one markdown table (attack, what was seen before, what is answered now) and the /score latency quiet and
while 32 clients flood /login for 15 s. "Before" is what the issue measured on the previous release.

    python benchmarks/decision_attacks.py [--port 3141] [--flood-seconds 15]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sqlite3
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pandas as pd
from service_latency import KEY, ROOT, _serve, _wait_ready

sys.path.insert(0, str(ROOT))
AUTH = {"X-API-Key": KEY}


def _population() -> pd.DataFrame:
    return pd.read_parquet(ROOT / "models" / "serving" / "population.parquet")


def _applicant(client: int) -> dict:
    rows = pd.read_parquet(ROOT / "models" / "serving" / "applications.parquet")
    row = rows[rows["SK_ID_CURR"] == client].iloc[0]
    return {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v) for k, v in row.items()}


class Api:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)

    def post(self, path: str, body: dict, token: str | None = None, headers: dict | None = None) -> httpx.Response:
        extra = {"X-User-Token": token} if token else {}
        return self.http.post(path, json=body, headers=AUTH | extra | (headers or {}))

    def login(self, user: str, password: str) -> str:
        answer = self.post("/login", {"user": user, "password": password})
        answer.raise_for_status()
        return answer.json()["token"]

    def history(self, client: int, token: str) -> list[dict]:
        return self.post("/decisions/history", {"client_id": client}, token).json()["records"]


def _users(url: str) -> dict[str, str]:
    from creditrisk.decisions.store import DecisionStore
    from creditrisk.decisions.users import add_user

    passwords = {name: secrets.token_urlsafe(12) for name in ("rachel", "alain", "audrey")}
    store = DecisionStore(url)
    for name, role in (("rachel", "relationship_manager"), ("alain", "approver"), ("audrey", "auditor")):
        add_user(store, name, role, passwords[name])
    store.close()
    return passwords


def _p50(url: str, ids: list[int], seconds: float) -> float:
    times = []
    with httpx.Client(base_url=url, timeout=60) as http:
        stop, i = time.monotonic() + seconds, 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            http.post("/score", json={"client_ids": [ids[i % len(ids)]]}, headers=AUTH)
            times.append(1000 * (time.perf_counter() - started))
            i += 1
    return statistics.median(times)


def _flood(url: str, seconds: float, clients: int = 32) -> dict:
    codes: dict[int, int] = {}
    lock, stop = threading.Lock(), time.monotonic() + seconds

    def one(k: int) -> None:  # each client from its own loopback address (127.0.0.0/8), for its own account
        transport = httpx.HTTPTransport(local_address=f"127.0.1.{k + 1}")
        with httpx.Client(base_url=url, timeout=60, transport=transport) as http:
            while time.monotonic() < stop:
                code = http.post("/login", json={"user": f"nobody{k}", "password": "wrong-password"},
                                 headers=AUTH).status_code
                with lock:
                    codes[code] = codes.get(code, 0) + 1

    threads = [threading.Thread(target=one, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    return {"threads": threads, "codes": codes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3141)
    parser.add_argument("--flood-seconds", type=float, default=15)
    parser.add_argument("--no-throttle", action="store_true",
                        help="lockout off (CREDITRISK_LOGIN_POLICY): the flood measures the password pool alone")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="decision-attacks-"))
    db = work / "store" / "decisions.db"
    env = {"CREDITRISK_DECISIONS_URL": f"sqlite:///{db}", "CREDITRISK_CHAIN_KEY": secrets.token_urlsafe(48),
           "CREDITRISK_CHAIN_CHECKPOINTS": str(work / "decisions.checkpoints"),
           "CREDITRISK_TOKEN_SECRET": secrets.token_urlsafe(48)}
    if args.no_throttle:
        env["CREDITRISK_LOGIN_POLICY"] = "1000000,15,15"
    os.environ.update(env)
    from creditrisk.decisions.store import migrate

    migrate(env["CREDITRISK_DECISIONS_URL"])
    passwords = _users(env["CREDITRISK_DECISIONS_URL"])
    population = _population()
    by = {d: population.loc[population["decision"] == d, "SK_ID_CURR"].astype(int).tolist()
          for d in ("accept", "review", "refuse")}
    url = f"http://127.0.0.1:{args.port}"
    rows: list[tuple[str, str, str]] = []
    process = _serve(args.port, work / "traffic")
    try:
        _wait_ready(url)
        api = Api(url)
        rachel, alain, audrey = (api.login(n, passwords[n]) for n in ("rachel", "alain", "audrey"))

        viewed = int(by["refuse"][0])
        for _ in range(5):
            api.post("/explain", {"client_id": viewed, "language": "fr"}, rachel)
            api.post("/client", {"client_id": viewed, "language": "fr"}, rachel)
        rows.append(("10 views of one file (5 /explain, 5 /client)", "2 records « définitive » per 2 views; "
                     "views counted as model decisions", f"{len(api.history(viewed, audrey))} record"))

        overridden = int(by["refuse"][1])
        first = api.post("/explain", {"client_id": overridden, "language": "fr"}, rachel)
        assert first.status_code == 200, first.text
        first = first.json()
        before = len(api.history(overridden, audrey))
        review = api.post("/review/flag", {"decision_id": first["decision_id"], "justification":
                                           "Revenus justifiés par trois bulletins de salaire."}, rachel).json()
        decided = api.post("/review/decide", {"decision_id": review["decision_id"], "decision": "accept",
                                              "reason_code": "income_verified", "justification":
                                              "Revenus vérifiés, taux d'effort acceptable."}, rachel).json()
        api.post("/review/approve", {"decision_id": decided["decision_id"], "grant": True,
                                     "justification": "Dérogation accordée après lecture du dossier."}, alain)
        answers = {path: api.post(path, body, rachel).json() for path, body in (
            ("/explain", {"client_id": overridden, "language": "fr"}), ("/client", {"client_id": overridden}),
            ("/score", {"client_ids": [overridden]}))}
        shown = {path: (a["results"][0] if path == "/score" else a)["decision"] for path, a in answers.items()}
        added = len(api.history(overridden, audrey)) - before
        rows.append(("approved override (refuse → accept), then the file reopened",
                     "header and letter still « Refusé », a new model record",
                     f"in force everywhere: {shown}; records added: {added} (flag, review, approval)"))

        stored = int(by["refuse"][2])
        applicant = _applicant(stored) | {"AMT_CREDIT": 90_000.0, "AMT_ANNUITY": 9_000.0, "AMT_GOODS_PRICE": 90_000.0}
        submitted = api.post("/score", {"records": {"application": [applicant]}}).json()["results"][0]
        kinds = [(r["channel"], r["requested_by"]) for r in api.history(stored, audrey)]
        file_answer = api.post("/client", {"client_id": stored}, rachel).json()
        rows.append(("/score with submitted records for a stored client (refused from its file)",
                     "a final « accept » written into the client's history, source not said",
                     f"own application ({submitted['decision']}, {submitted['application'][:8]}…); history: {kinds};"
                     f" the stored file's decision stays {file_answer['decision']}"))

        page = api.post("/clients", {"limit": 500}, rachel).json()["clients"]
        unaccounted = sum(1 for c in page if c.get("decision_id") is None and not c.get("simulation"))
        cf = api.post("/counterfactual", {"client_id": int(by["review"][0]) if by["review"] else viewed}).json()
        unmarked = sum(1 for p in cf.get("proposals", []) if not p.get("simulation"))
        rows.append(("PDs given without a record (/clients page of 500, /counterfactual proposals)",
                     "500 PDs a page unrecorded; proposals unmarked",
                     f"{unaccounted} unaccounted of {len(page)}; {unmarked} unmarked of "
                     f"{len(cf.get('proposals', []))} proposals"))

        codes = [api.post("/login", {"user": "rachel", "password": f"wrong-{i}"}).status_code for i in range(200)]
        right = api.post("/login", {"user": "rachel", "password": passwords["rachel"]})
        rows.append(("200 wrong passwords in a row, then the right one", "all 200 tried (3.9/s), right one works",
                     f"{codes.count(401)} tried, then {codes.count(429)} × 429; right password: {right.status_code} "
                     f"(Retry-After {right.headers.get('retry-after')} s)"))

        ids = population["SK_ID_CURR"].astype(int).tolist()
        viewed_ids = ids[:40]
        _p50(url, viewed_ids, 3)  # warm, and these 40 files recorded: later scorings of them are views
        half = args.flood_seconds / 2
        quiet = {"views": _p50(url, viewed_ids, half), "first scorings": _p50(url, ids[1000:], half)}
        flood = _flood(url, args.flood_seconds)
        loaded = {"views": _p50(url, viewed_ids, half), "first scorings": _p50(url, ids[3000:], half)}
        for thread in flood["threads"]:
            thread.join()
        for kind in quiet:
            rows.append((f"/score p50 ({kind}) while 32 clients flood /login", "9 ms quiet → 3,045 ms",
                         f"{quiet[kind]:.1f} ms quiet → {loaded[kind]:.1f} ms ({loaded[kind] / quiet[kind]:.1f}×)"))
        rows.append(("logins answered during the flood", "all tried", str(dict(sorted(flood["codes"].items())))))

        modes = f"file {stat.S_IMODE(db.stat().st_mode):o}, folder {stat.S_IMODE(db.parent.stat().st_mode):o}"
        rows.append(("decision database permissions", "0644", modes))

        sane = {}
        base = _applicant(int(by["accept"][0]))
        for label, change in (("AMT_CREDIT 1e12", {"AMT_CREDIT": 1e12}), ("AMT_INCOME_TOTAL 1e308",
                                                                          {"AMT_INCOME_TOTAL": 1e308}),
                              ("employed longer than alive", {"DAYS_EMPLOYED": base["DAYS_BIRTH"] - 10}),
                              ("SK_ID_CURR -5", {"SK_ID_CURR": -5})):
            answer = api.post("/score", {"records": {"application": [base | change]}})
            sane[label] = f"{answer.status_code} {answer.json().get('error', '')[:70]}"
        twice = httpx.post(f"{url}/score", json={"client_ids": ids[:1]},
                           headers=[("X-API-Key", "wrong"), ("X-API-Key", KEY)]).status_code
        nul = api.post("/review/flag", {"decision_id": first["decision_id"],
                                        "justification": "Revenus\u0000 justifiés \u202e par l'employeur."},
                       rachel).status_code
        for label, seen in sane.items():
            rows.append((f"input: {label}", "scored « accept » at PD 1.7-2.0 %" if "1e" in label else "accepted",
                         seen))
        rows.append(("two X-API-Key headers (wrong, right)", "the last wins", str(twice)))
        rows.append(("NUL and bidirectional marks in a justification", "stored", str(nul)))

        ahead = api.post("/score", {"client_ids": [int(by["accept"][1])]}).json()["results"][0]["decision_id"]
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        removed = api.post("/score", {"client_ids": [int(by["accept"][2])]})
        rows.append(("database files removed while the service runs",
                     "200 with decision ids 1100-1103 that exist nowhere",
                     f"{removed.status_code}: {removed.json().get('error', '')[:90]}"))
    finally:
        process.terminate()
        process.wait(timeout=30)

    process = _serve(args.port, work / "traffic")
    try:
        _wait_ready(url)
        restarted = Api(url).post("/score", {"client_ids": [int(by["accept"][3])]})
        rows.append(("restart on the empty database created anew", f"id {ahead} given to another client",
                     f"{restarted.status_code}: {restarted.json().get('error', '')[:90]}"))
    finally:
        process.terminate()
        process.wait(timeout=30)

    rows += _chain_attacks(work, env)
    print("| attack | before (issue 28) | now |")
    print("|---|---|---|")
    for attack, before, now in rows:
        print(f"| {attack} | {before} | {now} |")


def _chain_attacks(work: Path, env: dict) -> list[tuple[str, str, str]]:
    """On a store of 12 decisions written by the service's recorder path: rewrite and truncate with SQL only."""
    import hashlib

    from creditrisk.decisions.chain import canonical
    from creditrisk.decisions.store import DecisionStore, ModelDecision, migrate

    url = f"sqlite:///{work / 'chain' / 'decisions.db'}"
    os.environ["CREDITRISK_CHAIN_CHECKPOINTS"] = str(work / "chain.checkpoints")
    migrate(url)
    store = DecisionStore(url)
    store.record_model([ModelDecision(client_id=100_000 + k, channel="id", input="{}", features="[1.0]",
                                      model_version=1, model_hash="a" * 64, feature_version="f", threshold=0.08,
                                      review_band=0.01, pd=0.2, auto_decision="refuse", reasons=None)
                        for k in range(12)])
    store.close()
    path = work / "chain" / "decisions.db"

    def verify() -> str:
        done = subprocess.run([sys.executable, "-m", "creditrisk.cli", "decisions", "verify"], cwd=ROOT,
                              env=os.environ | {"CREDITRISK_DECISIONS_URL": url}, capture_output=True, text=True)
        try:
            found = json.loads(done.stdout)
            said = "intact" if found["intact"] else f"broken at record {found['broken_at']}: {found['problem']}"
        except (json.JSONDecodeError, KeyError):
            said = done.stderr.strip().splitlines()[-1]
        return f"exit {done.returncode}: {said[:110]}"

    out = []
    with sqlite3.connect(path) as con:
        con.row_factory = sqlite3.Row
        original = [dict(r) for r in con.execute("SELECT * FROM decisions ORDER BY seq")]
    fields = [k for k in original[0] if k != "hash"]

    def rewrite(rows: list[dict]) -> None:
        with sqlite3.connect(path) as con:
            con.execute("DELETE FROM decisions")
            for row in rows:
                con.execute(f"INSERT INTO decisions ({','.join(row)}) VALUES ({','.join('?' * len(row))})",
                            list(row.values()))
            con.execute("UPDATE chain_head SET last_seq = ?, last_hash = ?", (rows[-1]["seq"], rows[-1]["hash"]))

    forged = [dict(r) for r in original]
    forged[1] |= {"auto_decision": "accept", "pd": 0.01}
    previous = forged[0]["hash"]
    for row in forged[1:]:  # every later hash and the head recomputed, as the attacker did
        row["prev_hash"] = previous
        row["hash"] = previous = hashlib.sha256(canonical({k: row[k] for k in fields})).hexdigest()
    rewrite(forged)
    out.append(("record 2 rewritten accept / PD 0.01, later hashes and head recomputed", "verify exit 0 (intact)",
                verify()))
    rewrite([dict(r) for r in original[:-3]])
    out.append(("last 3 records deleted, head moved back", "verify exit 0 (intact)", verify()))
    rewrite(original)
    out.append(("the original records put back", "—", verify()))
    return out


if __name__ == "__main__":
    main()
