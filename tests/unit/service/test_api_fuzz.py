"""A short schemathesis run on the service's own OpenAPI schema, in process: no generated request gives a 5xx.

The long run (5,607 cases) is against `bentoml serve`, see docs/service.md. (schemathesis' pytest plugin does not
work with pytest 9 yet, so the operations are driven with hypothesis directly.)
"""

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.service_fixtures import API_KEY


def test_no_generated_request_is_a_server_error(asgi_client):
    schema = schemathesis.openapi.from_asgi("/docs.json", asgi_client.app)
    # /metrics needs the Prometheus directory that `bentoml serve` sets up; it is covered by the long run
    operations = [op for op in (result.ok() for result in schema.get_all_operations()) if op.path != "/metrics"]
    assert {op.path for op in operations} >= {"/score", "/explain", "/simulate", "/client", "/clients", "/model"}
    calls = []
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            response = case.call(headers={"X-API-Key": API_KEY})
            calls.append(response.status_code)
            assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text}"

        check()
    assert len(calls) >= 3 * len(operations)
