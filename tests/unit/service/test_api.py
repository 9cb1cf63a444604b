"""The BentoML service in process (ASGI): endpoints, validation, limits, authentication, traffic log, parity."""

from __future__ import annotations

import json
import logging

import polars as pl
import pytest

from creditrisk.data import schema
from creditrisk.features.builder import client_rows
from tests.service_fixtures import API_KEY, MAX_BATCH, THRESHOLD

AUTH = {"X-API-Key": API_KEY}


@pytest.fixture(scope="module")
def client(asgi_client):
    return asgi_client


@pytest.fixture(scope="module")
def service_env(asgi_client, traffic_dir):
    return traffic_dir


def test_importing_the_same_serving_directory_twice_keeps_one_model(serving_dir):
    from creditrisk.service.model_store import import_to_bentoml

    assert import_to_bentoml(serving_dir) == import_to_bentoml(serving_dir)


@pytest.fixture(scope="module")
def production(serving_data) -> list[int]:
    return list(serving_data.production.index[:5])


def _error(response) -> str:
    body = response.json()
    return json.dumps(body)


def test_health_is_open_and_scoring_needs_the_key(client, production):
    assert client.get("/readyz").status_code == 200 and client.get("/healthz").status_code == 200
    assert client.get("/docs.json").status_code == 200
    for headers in ({}, {"X-API-Key": "wrong"}):
        response = client.post("/score", json={"client_ids": production[:1]}, headers=headers)
        assert response.status_code == 401 and "X-API-Key" in _error(response)


def _guarded(limits=None):
    """The request guard in front of a tiny app that answers the size of the body it received."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from creditrisk.service.http import Limits, RequestGuard

    async def size(request):
        return PlainTextResponse(f"ok {len(await request.body())}")

    inner = Starlette(routes=[Route(p, size, methods=["GET", "POST"]) for p in ("/score", "/readyz", "/metrics")])
    return TestClient(RequestGuard(inner, limits or Limits()))


def test_without_a_configured_key_every_protected_endpoint_is_closed(monkeypatch):
    monkeypatch.delenv("CREDITRISK_API_KEY", raising=False)
    closed = _guarded()
    response = closed.post("/score", headers={"X-API-Key": ""})
    assert response.status_code == 503 and "CREDITRISK_API_KEY" in response.json()["error"]
    assert closed.get("/readyz").text == "ok 0"
    assert closed.get("/metrics").status_code == 503  # the metrics are behind the key too
    monkeypatch.setenv("CREDITRISK_API_KEY", "k")
    opened = _guarded()
    assert opened.post("/score", headers={"X-API-Key": "k"}).text == "ok 0"
    assert opened.get("/metrics").status_code == 401 and opened.get("/metrics", headers={"X-API-Key": "k"}).is_success
    assert opened.post("/score", headers={"X-API-Key": "K"}).status_code == 401
    wrong_type = opened.post("/score", headers={"X-API-Key": "k", "Content-Type": "multipart/form-data"})
    assert wrong_type.status_code == 415 and "must be JSON" in wrong_type.json()["error"]


def test_bodies_and_headers_over_the_limits_are_refused_before_parsing(monkeypatch):
    from creditrisk.service.http import Limits

    monkeypatch.setenv("CREDITRISK_API_KEY", "k")
    guarded = _guarded(Limits(max_body_bytes=100, max_header_bytes=300))
    auth = {"X-API-Key": "k", "Content-Type": "application/json"}
    assert guarded.post("/score", content=b"x" * 100, headers=auth).text == "ok 100"  # at the limit: handed on whole
    declared = guarded.post("/score", content=b"x" * 101, headers=auth)
    assert declared.status_code == 413 and "100 bytes (params serve.max_body_bytes)" in declared.json()["error"]
    streamed = guarded.post("/score", content=iter([b"x" * 60, b"x" * 60]), headers=auth)  # chunked: no length
    assert streamed.status_code == 413
    assert guarded.post("/score", content=iter([b"x" * 40, b"x" * 40]), headers=auth).text == "ok 80"
    headers = guarded.get("/readyz", headers={"X-Padding": "p" * 300})  # no key needed to be refused
    assert headers.status_code == 431 and "serve.max_header_bytes" in headers.json()["error"]
    wrong_type = guarded.post("/score", headers={"X-API-Key": "k", "Content-Type": "multipart/form-data"})
    assert wrong_type.status_code == 415 and "must be JSON" in wrong_type.json()["error"]


def test_a_client_that_leaves_mid_body_is_not_an_error(monkeypatch):
    """The guard reads the body; a disconnect while it arrives ends the request quietly (no 500, no call)."""
    import asyncio

    from creditrisk.service.http import Limits, RequestGuard

    monkeypatch.setenv("CREDITRISK_API_KEY", "k")
    called, sent = [], []

    async def app(scope, receive, send):
        called.append(scope["path"])

    messages = iter([{"type": "http.request", "body": b'{"client_ids": [', "more_body": True},
                     {"type": "http.disconnect"}])

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": "/score", "method": "POST",
             "headers": [(b"x-api-key", b"k"), (b"content-type", b"application/json")]}
    asyncio.run(RequestGuard(app, Limits())(scope, receive, send))
    assert called == [] and sent == []


def test_unknown_paths_are_one_route_for_the_metrics(client):
    """Every path the service answers keeps its own label; any other path counts as one route, so probing paths
    cannot add metric series (counted on /metrics, behind the key)."""
    from creditrisk.service.api import _routes
    from creditrisk.service.http import UNKNOWN_ROUTE, RequestMetrics

    metrics = RequestMetrics(None, _routes)
    known = ("/score", "/counterfactual", "/readyz", "/metrics", "/docs.json", "/", "/static_content/swagger-ui.css")
    assert [metrics.route(p) for p in known] == list(known)
    assert {metrics.route(p) for p in ("/nx-1", "/score/", "/scores", "/static_content")} == {UNKNOWN_ROUTE}
    for k in range(3):
        assert client.get(f"/nx-probe-{k}", headers=AUTH).status_code == 404
    assert client.get("/metrics").status_code == 401
    from prometheus_client.parser import text_string_to_metric_families

    text = client.get("/metrics", headers=AUTH).text
    counted = {(s.labels["endpoint"], s.labels["http_response_code"]): s.value
               for family in text_string_to_metric_families(text) if family.name == "creditrisk_http_requests"
               for s in family.samples if s.name == "creditrisk_http_requests_total"}
    assert "nx-probe" not in text and counted[(UNKNOWN_ROUTE, "404")] >= 3 and counted[("/metrics", "401")] >= 1


def test_a_traffic_log_that_cannot_be_written_does_not_fail_scoring(client, production, monkeypatch, caplog):
    from creditrisk.monitoring.traffic import TrafficLog

    def broken(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(TrafficLog, "record", broken)
    with caplog.at_level(logging.ERROR):
        for _ in range(2):
            response = client.post("/score", json={"client_ids": production[:2]}, headers=AUTH)
            assert response.status_code == 200 and len(response.json()["results"]) == 2
    assert caplog.text.count("the traffic log cannot be written (Permission denied)") == 1  # once per process


def test_batch_by_id_equals_the_scorer_and_is_counted(client, scorer, production, service_env, serving_data):
    response = client.post("/score", json={"client_ids": production}, headers=AUTH)
    assert response.status_code == 200
    results = response.json()["results"]
    expected = scorer.score_ids(production)
    assert [r["client_id"] for r in results] == production
    assert [r["probability_of_default"] for r in results] == expected.pd.tolist()
    assert {r["threshold"] for r in results} == {THRESHOLD} and {r["model_version"] for r in results} == {"7"}
    bounds = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32)  # the default master scale: a bound starts the grade above it
    assert [r["grade"] for r in results] == [1 + sum(p >= b for b in bounds) for p in expected.pd]
    assert {r["grades"] for r in results} == {7}

    def lines() -> list[dict]:
        return [json.loads(line) for path in sorted(service_env.rglob("*.jsonl")) for line in
                path.read_text().splitlines()]

    before = len(lines())
    for _ in range(4):  # 5 clients a request: the counts are written by 20 clients at least
        client.post("/score", json={"client_ids": production}, headers=AUTH)
    new = lines()[before:]  # (clients scored by earlier tests may be counted in the same line)
    assert new and all(line["clients"] >= 20 for line in new)
    for line in new:
        assert set(line["features"]) == set(serving_data.bins.features)
        counts = [sum(f["counts"]) for f in line["features"].values()] + [sum(line["pd"]["counts"])]
        assert counts == [line["clients"]] * len(counts) and sum(line["decisions"].values()) == line["clients"]
        assert "SK_ID_CURR" not in json.dumps(line)
        # the challenger in shadow: counted for every client, never in the answer
        assert sum(line["challenger"]["agreement"].values()) == sum(line["challenger"]["pd"]["counts"]) == line[
            "clients"]
    assert not any("challenger" in json.dumps(r) for r in results)


def test_a_failing_shadow_challenger_never_fails_scoring(client, production, monkeypatch, caplog):
    from creditrisk.service.scorer import Scorer

    def broken(self, scores):
        raise ValueError("a bug in the shadow model")

    monkeypatch.setattr(Scorer, "shadow", broken)
    with caplog.at_level(logging.ERROR):
        for _ in range(5):  # 25 clients: the counts (and the shadow scores) are written by 20 at least
            response = client.post("/score", json={"client_ids": production}, headers=AUTH)
            assert response.status_code == 200 and len(response.json()["results"]) == len(production)
    assert "internal error in the challenger's shadow scoring" in caplog.text


def test_raw_records_go_through_the_training_builder(client, scorer, interim, production):
    tables = {n: pl.read_parquet(interim / f"{n}.parquet") for n in schema.ALL_TABLES if n != "application_train"}
    client_id = production[2]
    rows = client_rows(tables, client_id)
    payload = {("application" if k == "application" else k): json.loads(v.write_json()) for k, v in rows.items()}
    response = client.post("/score", json={"records": payload}, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["probability_of_default"] == scorer.score_ids([client_id]).pd[0]


@pytest.mark.parametrize(("body", "status", "expected"), [
    ({}, 400, "exactly one of client_ids"),
    ({"client_ids": []}, 400, "the list is empty"),
    ({"client_ids": ["abc"]}, 400, "client_ids"),
    ({"client_ids": [-4]}, 400, "greater than or equal to 1"),
    ({"client_ids": [0]}, 400, "greater than or equal to 1"),
    ({"client_ids": [987654321]}, 404, "unknown client id(s) [987654321]"),
    ({"client_ids": list(range(1, MAX_BATCH + 2))}, 400, f"the limit is {MAX_BATCH}"),
    ({"records": {"application": [{"SK_ID_CURR": 1, "AMT_CREDIT": -3}]}}, 400, "AMT_CREDIT"),
    ({"records": {"application": []}}, 400, "application"),
    ({"client_ids": [True]}, 400, "must be a JSON number"),  # not read as client 1
    ({"client_ids": ["100001"]}, 400, "must be a JSON number"),
    ({"client_ids": [1], "clientids": [2]}, 400, "clientids"),  # an unknown top-level field is refused
    ({"records": {"application": [{"SK_ID_CURR": 1, "AMT_CREDIT": "500000"}]}}, 400, "must be a JSON number"),
])
def test_invalid_requests_are_refused_with_the_field_and_reason(client, body, status, expected):
    response = client.post("/score", json=body, headers=AUTH)
    assert response.status_code == status
    assert expected in _error(response)


def test_client_errors_are_logged_without_the_submitted_values(client, caplog):
    with caplog.at_level(logging.INFO):
        client.post("/score", json={"records": {"application": [{"SK_ID_CURR": 1, "AMT_CREDIT": -31337.5}]}},
                    headers=AUTH)
    assert "refused (invalid input" in caplog.text and "31337" not in caplog.text


def test_explain_adds_up_and_uses_readable_names(client, production):
    response = client.post("/explain", json={"client_id": production[0], "top": 6, "language": "en"}, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    factors = body["raises_risk"] + body["lowers_risk"]
    assert len(factors) == 6 and all(f["label"] != f["feature"] for f in factors if f["feature"] != f["label"])
    total = body["base_value"] + sum(f["contribution"] for f in factors) + body["others"]
    assert total == pytest.approx(body["logit"], abs=1e-9)


def test_what_if_simulation(client, production, scorer):
    credit = 1.05 * float(scorer.application(production[0])["AMT_CREDIT"])  # 5 % more credit: a plausible what-if
    response = client.post("/simulate", json={"client_id": production[0], "changes": {"AMT_CREDIT": credit}},
                           headers=AUTH)
    assert response.status_code == 200 and response.json()["simulation"] is True
    refused = client.post("/simulate", json={"client_id": production[0], "changes": {"AMT_CREDIT": -1}},
                          headers=AUTH)
    assert refused.status_code == 400 and "changes.AMT_CREDIT" in _error(refused)


def test_negotiating_the_loan_terms(client, production, scorer):
    """Amount, down payment and term: the service scores the loan the adviser describes (credit = amount - down
    payment, instalment = credit / months, worked out here), records nothing, and names a field it refuses."""
    client_id = production[0]
    application = scorer.application(client_id)
    amount = float(application["AMT_CREDIT"])
    response = client.post("/negotiate", json={"client_id": client_id, "amount": amount, "down_payment": 10_000.0,
                                               "months": 24}, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["simulation"] is True and body["simulated"]["simulation"] is True
    assert body["terms"] == {"amount": amount, "down_payment": 10_000.0, "credit": amount - 10_000.0, "months": 24.0,
                             "instalment": round((amount - 10_000.0) / 24, 2)}
    assert body["changes"] == {"AMT_CREDIT": amount - 10_000.0, "AMT_ANNUITY": round((amount - 10_000.0) / 24, 2)}
    expected = scorer.as_results(scorer.simulate_many(client_id, [body["changes"]]))[0]
    assert body["simulated"]["probability_of_default"] == expected["probability_of_default"]
    for wrong, field in (({"down_payment": amount}, "down_payment"), ({"months": 0.5}, "months"),
                         ({"amount": "400000"}, "amount")):
        refused = client.post("/negotiate", json={"client_id": client_id, "amount": amount, "months": 24} | wrong,
                              headers=AUTH)
        assert refused.status_code == 400 and field in _error(refused), (wrong, refused.text)


def test_dashboard_endpoints(client, production, serving_data):
    info = client.post("/client", json={"client_id": production[0]}, headers=AUTH).json()
    assert info["client_id"] == production[0] and info["descriptive"]
    listing = client.post("/clients", json={"decision": "refuse", "limit": 3}, headers=AUTH).json()
    assert listing["total"] == int((serving_data.population["decision"] == "refuse").sum())
    dist = client.post("/distribution", json={"feature": "AMT_CREDIT", "client_id": production[0]},
                       headers=AUTH).json()
    assert sum(dist["counts"]["all"]) + dist["missing"]["all"] == len(serving_data.production)
    unknown = client.post("/distribution", json={"feature": "NOPE"}, headers=AUTH)
    assert unknown.status_code == 400 and "NOPE" in _error(unknown)
    scatter = client.post("/scatter", json={"x": "AMT_CREDIT", "y": "EXT_SOURCE_MEAN", "client_ids": production[:2],
                                            "sample": 100}, headers=AUTH).json()
    assert len(scatter["points"]) == 100 and [c["client_id"] for c in scatter["clients"]] == production[:2]
    model = client.post("/model", json={}, headers=AUTH).json()
    assert model["threshold"] == THRESHOLD and model["costs"] == {"fn_cost": 10, "fp_cost": 1}


def test_a_bug_in_the_scorer_is_an_internal_error_not_the_clients_mistake(client, production, monkeypatch):
    """A KeyError or ValueError raised by a bug used to be answered 400; only domain errors are the request's."""
    from creditrisk.service.scorer import Scorer

    unknown = client.post("/score", json={"client_ids": [10**9]}, headers=AUTH)
    assert unknown.status_code == 404 and "unknown client id" in _error(unknown)
    for bug in (KeyError("AMT_CREDIT"), ValueError("could not convert")):
        def broken(self, client_ids, bug=bug):
            raise bug

        monkeypatch.setattr(Scorer, "score_ids", broken)
        response = client.post("/score", json={"client_ids": production[:1]}, headers=AUTH)
        assert response.status_code == 500 and "unexpected error" in _error(response)


def test_counterfactual_endpoint(client, serving_data):
    population = serving_data.population
    refused = int(population.index[population["decision"] == "refuse"][0])
    answer = client.post("/counterfactual", json={"client_id": refused, "language": "en"}, headers=AUTH).json()
    assert answer["decision"] == "refuse" and answer["client_id"] == refused
    assert answer["proposals"] or answer["message"].startswith("No change of the loan terms alone")
    unknown = client.post("/counterfactual", json={"client_id": 10**9}, headers=AUTH)
    assert unknown.status_code == 404


def test_on_the_shared_default_store_another_checkouts_model_is_refused(tmp_path, monkeypatch, serving_dir):
    """`bentoml serve` from a checkout with the user's default store: a model imported by another checkout is
    refused at start, naming both and the way out; with the checkout's own model it starts."""
    import shutil

    import bentoml

    from creditrisk.service import api
    from creditrisk.service.model_store import import_to_bentoml

    import_to_bentoml(serving_dir)
    checkout = tmp_path / "checkout"
    shutil.copytree(serving_dir, checkout / "models" / "serving")
    monkeypatch.chdir(checkout)
    monkeypatch.delenv("BENTOML_HOME")  # the store stays the session's: BentoML resolved it at first use
    assert api._stored_model().tag == bentoml.models.get("creditrisk-pd:latest").tag  # this checkout's model
    with open(checkout / "models" / "serving" / "threshold-note.txt", "w") as other:  # this checkout publishes
        other.write("another model\n")                                               # something else
    refused = r"not this checkout.s published model .*`BENTOML_HOME=.run/bentoml bentoml serve`"
    with pytest.raises(RuntimeError, match=refused):
        api._stored_model()
