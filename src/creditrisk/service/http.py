"""The HTTP layer in front of the endpoints, on BentoML's public API: the key and the request limits
(``RequestGuard``), one error body shape and an OpenAPI document that says what the service answers, client errors
logged without their values, and request metrics whose labels stay bounded (``RequestMetrics``, ``/metrics``).
The endpoints themselves are in ``creditrisk.service.api``."""

from __future__ import annotations

import functools
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from creditrisk.config import ServeParams

API_KEY_ENV = "CREDITRISK_API_KEY"
API_KEY_HEADER = b"x-api-key"
OPEN_PATHS = ("/healthz", "/livez", "/readyz", "/docs.json", "/")  # no key needed (/metrics needs it)


@dataclass(frozen=True)
class Limits:
    """Request limits enforced before anything is parsed: params ``serve``, published with the model (the service
    hands in the published values; these defaults are the params' own)."""

    max_body_bytes: int = ServeParams.max_body_bytes
    max_header_bytes: int = ServeParams.max_header_bytes


class RequestGuard:
    """In front of every endpoint, before the body is parsed:

    - headers larger than ``max_header_bytes`` together: 431, with or without a key;
    - protected paths: no key configured 503, missing or wrong ``X-API-Key`` 401 (constant-time comparison);
    - a body that is not JSON: 415 (BentoML would answer 500 to e.g. a multipart body without a boundary);
    - a body over ``max_body_bytes``: 413, from its Content-Length or while it arrives, so that at most the
      limit is ever held in memory; the body read is then handed to the endpoint unchanged.
    """

    def __init__(self, app: Any, limits: Limits | Callable[[], Limits] = Limits()) -> None:
        self.app = app
        self.key = os.environ.get(API_KEY_ENV, "").encode()
        self.limits = limits() if callable(limits) else limits  # a callable: read when the server starts

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _normalised_answers(scope, send)
        header_bytes = sum(len(name) + len(value) for name, value in scope["headers"])
        if header_bytes > self.limits.max_header_bytes:
            await _json(send, 431, f"request headers of {header_bytes} bytes; the limit is "
                                   f"{self.limits.max_header_bytes} (params serve.max_header_bytes)")
            return
        if scope["path"] in OPEN_PATHS or scope["path"].startswith("/static_content"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(API_KEY_HEADER, b"")
        repeated = sum(name.lower() == API_KEY_HEADER for name, _ in scope["headers"])
        content_type = headers.get(b"content-type", b"application/json").split(b";")[0].strip().lower()
        if not self.key:
            await _json(send, 503, f"the service has no API key configured (set {API_KEY_ENV})")
        elif repeated > 1:
            await _json(send, 400, f"the header X-API-Key is given {repeated} times: give it once")
        elif not hmac.compare_digest(given, self.key):
            await _json(send, 401, "missing or wrong API key (header X-API-Key)")
        elif content_type != b"application/json":
            await _json(send, 415, f"the body must be JSON (Content-Type: application/json), not "
                                   f"{content_type.decode(errors='replace')[:80]!r}")
        else:
            body = await self._bounded_body(headers, receive, send)
            if body is not None:
                await self.app(scope, _replay(body, receive), send)

    async def _bounded_body(self, headers: dict, receive: Any, send: Any) -> bytes | None:
        """The whole body, or None after answering 413 (too large) or when the client left."""
        limit = self.limits.max_body_bytes
        too_large = f"the request body is larger than {limit} bytes (params serve.max_body_bytes): split the batch"
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > limit:
            await _json(send, 413, too_large)
            return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _json(send, 413, too_large)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


MAX_MESSAGE = 500  # characters of an error message: a refused value is never echoed at length


def _normalised_answers(scope: dict, send: Any):
    """A ``send`` that gives every error answer (4xx, 5xx) one body shape, ``{"error": "<message>"}`` (BentoML
    answers its own errors as a list, validation errors with a ``detail`` list, unknown routes in plain text),
    and the OpenAPI document (``/docs.json``) the truth about them (``openapi_truth``). Other answers pass as
    they are, streamed."""
    held: dict | None = None
    chunks: list[bytes] = []

    async def normalised(message: dict) -> None:
        nonlocal held
        if message["type"] == "http.response.start":
            if message["status"] >= 400 or scope["path"] == "/docs.json":
                held = message
                return
        elif held is not None:
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            body = openapi_truth(body) if held["status"] < 400 else error_body(body)
            headers = [(k, v) for k, v in held["headers"] if k.lower() not in (b"content-length", b"content-type")]
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await send(message)

    return normalised


def error_body(body: bytes) -> bytes:
    """``{"error": message}`` from any error body BentoML, pydantic or starlette wrote (message truncated)."""
    import json

    try:
        found = json.loads(body)
    except ValueError:
        found = body.decode(errors="replace").strip() or "error"
    if isinstance(found, list) and found and isinstance(found[0], dict):
        found = found[0]
    extra = {"retry_after_seconds": found["retry_after_seconds"]} if isinstance(found, dict) and isinstance(
        found.get("retry_after_seconds"), int) else {}
    if isinstance(found, dict) and isinstance(found.get("detail"), list):  # pydantic: each field and its reason
        found = "; ".join(f"{'.'.join(map(str, d.get('loc', ())))}: {d.get('msg', '')}" for d in found["detail"]
                          if isinstance(d, dict))
    elif isinstance(found, dict):
        found = found.get("error", found.get("detail", json.dumps(found)))
    message = str(found)
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "… (truncated)"
    return json.dumps({"error": message} | extra).encode()


_ERRORS = {
    "400": "invalid request: each refused field and the reason",
    "401": "missing or wrong X-API-Key, or (people's endpoints) no valid X-User-Token",
    "403": "the person's role, or the four-eyes rule, does not allow this action",
    "404": "unknown client or route", "405": "method not allowed", "413": "body over serve.max_body_bytes",
    "415": "the body is not JSON", "431": "headers over serve.max_header_bytes", "500": "internal error (a bug)",
    "429": "too many failed logins for the account or from the address: retry after the seconds given",
    "503": "the service has no API key configured, or the decision database does not answer or is not the one "
           "it opened (nothing recorded)",
    "504": "the answer took longer than the service's timeout"}
_OPEN_ERRORS = ("431", "500")


def openapi_truth(body: bytes) -> bytes:
    """BentoML's OpenAPI document made true: one error schema for every 4xx/5xx the service answers, the API-key
    security scheme on the protected operations, the package's version."""
    import json
    from importlib.metadata import version

    spec = json.loads(body)
    spec["info"] = {"title": "Prêt à dépenser — credit scoring API", "version": version("creditrisk"),
                    "description": "Probability of default, decision and reasons of consumer-credit applicants. "
                                   "Every operation but the health checks and this document needs the header "
                                   "X-API-Key. Errors are {\"error\": message}."}
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = {
        "type": "object", "properties": {"error": {"type": "string"},
                                         "retry_after_seconds": {"type": "integer", "minimum": 0}},
        "required": ["error"], "additionalProperties": False}
    components["securitySchemes"] = {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                                     "UserToken": {"type": "apiKey", "in": "header", "name": "X-User-Token",
                                                   "description": "a person's signed token from POST /login"}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in spec.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = {code: answer for code, answer in operation["responses"].items() if code[0] not in "45"}
            codes = _OPEN_ERRORS if path in OPEN_PATHS else _ERRORS
            responses |= {code: {"description": _ERRORS[code], "content": error} for code in codes}
            operation["responses"] = responses
            if path not in OPEN_PATHS:
                person = path.startswith(("/review/", "/decisions/"))
                operation["security"] = [{"ApiKey": [], "UserToken": []} if person else {"ApiKey": []}]
    return json.dumps(spec).encode()


def _replay(body: bytes, receive: Any):
    """A ``receive`` that gives the body already read, then waits on the client as the original would."""
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _json(send: Any, status: int, message: str) -> None:
    import json

    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class ClientErrorFilter(logging.Filter):
    """Client errors (4xx) are logged as one line without the traceback: pydantic's error text would otherwise
    copy the request's values (personal data) into the server log."""

    def filter(self, record: logging.LogRecord) -> bool:
        from bentoml.exceptions import BentoMLException
        from pydantic import ValidationError

        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, ValidationError) or (isinstance(error, BentoMLException)
                                                  and error.error_code.value < 500):
            kind = "invalid input" if isinstance(error, ValidationError) else f"HTTP {error.error_code.value}"
            record.msg = f"{record.getMessage()}: refused ({kind}; request values are not logged)"
            record.args, record.exc_info, record.exc_text = (), None, None
            record.levelno, record.levelname = logging.INFO, "INFO"  # the client's mistake, not the service's
        return True


def quiet_client_errors() -> None:
    """``ClientErrorFilter`` on every logger of BentoML's package (whichever of its modules logs a request's
    error), so that no refused value reaches the server log."""
    for name in list(logging.root.manager.loggerDict):
        if name == "bentoml" or name.startswith(("bentoml.", "_bentoml_impl", "_bentoml_sdk")):
            logger = logging.getLogger(name)
            if not any(isinstance(f, ClientErrorFilter) for f in logger.filters):
                logger.addFilter(ClientErrorFilter())


UNKNOWN_ROUTE = "/unknown-route"
METRICS_PATH = "/metrics"
DOCUMENTATION = ("/docs", "/schema.json")  # served by BentoML itself, besides OPEN_PATHS


class RequestMetrics:
    """Prometheus counts of the requests, by route, method and status, and their duration. BentoML's own request
    metrics are switched off (service config ``metrics.enabled: false``) because they label each raw path: a
    client probing paths would add series without bound. Here a path that is not a route of the service counts
    as ``UNKNOWN_ROUTE`` (it is answered 404 as any unknown path)."""

    def __init__(self, app: Any, routes: Callable[[], Iterable[str]]) -> None:
        self.app = app
        self.routes = frozenset(routes()) | set(OPEN_PATHS) | set(DOCUMENTATION) | {METRICS_PATH}

    def route(self, path: str) -> str:
        return path if path in self.routes or path.startswith("/static_content/") else UNKNOWN_ROUTE

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), [500]

        async def answer(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            requests, duration = _request_metrics()
            labels = (self.route(scope["path"]), scope["method"])
            requests.labels(*labels, str(status[0])).inc()
            duration.labels(*labels).observe(time.perf_counter() - start)


@functools.cache
def _request_metrics():
    """Created at first use, once the worker has set PROMETHEUS_MULTIPROC_DIR (prometheus_client reads it then)."""
    from prometheus_client import Counter, Histogram

    return (Counter("creditrisk_http_requests", "HTTP requests by route, method and status",
                    ["endpoint", "method", "http_response_code"]),
            Histogram("creditrisk_http_request_duration_seconds", "HTTP request duration by route and method",
                      ["endpoint", "method"]))


async def _metrics(request: Any) -> Any:
    """Every worker's Prometheus metrics (``bentoml serve`` gives them a shared PROMETHEUS_MULTIPROC_DIR)."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
    from starlette.responses import Response

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def metrics_app() -> Any:
    """The /metrics endpoint, mounted on the service (it needs the key, as every path outside OPEN_PATHS)."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    return Starlette(routes=[Route(METRICS_PATH, _metrics, methods=["GET"])])
