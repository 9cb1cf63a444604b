"""Schemathesis on the service's own OpenAPI document, in process: no generated request gives a 5xx, and every
answer agrees with the document (status code declared, body schema, content type).

The long run is against `bentoml serve`, see docs/service.md. (schemathesis' pytest plugin does not work with
pytest 9 yet, so the operations are driven with hypothesis directly.)
"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.service_fixtures import API_KEY

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]


def test_generated_requests_get_answers_the_document_declares(asgi_client):
    # the document as served, the requests sent through the shared client (schemathesis' own ASGI transport would
    # run the app's lifespan again and stop the service the other tests use)
    schema = schemathesis.openapi.from_dict(asgi_client.get("/docs.json").json())
    # /metrics needs the Prometheus directory that `bentoml serve` sets up (tested against it in tests/e2e)
    operations = [op for op in (result.ok() for result in schema.get_all_operations()) if op.path != "/metrics"]
    assert {op.path for op in operations} >= {"/score", "/explain", "/simulate", "/client", "/clients", "/model"}
    calls = []
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            kwargs = case.as_transport_kwargs(base_url="http://testserver", headers={"X-API-Key": API_KEY})
            response = asgi_client.request(**{k: v for k, v in kwargs.items() if k != "timeout"})
            calls.append(response.status_code)
            case.validate_response(response, checks=CHECKS, headers={"X-API-Key": API_KEY})

        check()
    assert len(calls) >= 3 * len(operations)


def test_the_document_declares_the_key_one_error_shape_and_the_version(asgi_client):
    from importlib.metadata import version

    spec = asgi_client.get("/docs.json").json()
    assert spec["info"]["version"] == version("creditrisk") != "None"
    assert spec["components"]["securitySchemes"]["ApiKey"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    score = spec["paths"]["/score"]["post"]
    assert score["security"] == [{"ApiKey": []}] and "security" not in spec["paths"]["/readyz"]["get"]
    error = {"$ref": "#/components/schemas/Error"}
    for code in ("400", "401", "404", "413", "415", "431", "500", "503", "504"):
        assert score["responses"][code]["content"]["application/json"]["schema"] == error
    answers = [asgi_client.post("/score", json=body, headers=headers) for body, headers in (
        ({"client_ids": [987654321]}, {"X-API-Key": API_KEY}), ({"client_ids": ["x"]}, {"X-API-Key": API_KEY}),
        ({}, {"X-API-Key": API_KEY}), ({}, {}))] + [asgi_client.get("/nowhere", headers={"X-API-Key": API_KEY})]
    assert [a.status_code for a in answers] == [404, 400, 400, 401, 404]
    assert all(list(a.json()) == ["error"] and isinstance(a.json()["error"], str) for a in answers)
    assert answers[1].json()["error"] == "client_ids.0: Value error, must be a JSON number, not text or true/false"


def test_error_messages_do_not_echo_long_input(asgi_client):
    answer = asgi_client.post("/simulate", json={"client_id": 1, "changes": {"X" * 100_000: 1}},
                              headers={"X-API-Key": API_KEY})
    assert answer.status_code == 400 and len(answer.text) < 1_000
