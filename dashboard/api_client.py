"""The dashboard's only door to data: the BentoML scoring API (URL and key from the environment).

Every failure becomes an ``ApiError`` with a kind (down, slow, auth, refused, error) and a message fit for a
relationship manager; the dashboard shows it and never a stack trace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

URL_ENV, KEY_ENV, TIMEOUT_ENV = "CREDITRISK_API_URL", "CREDITRISK_API_KEY", "CREDITRISK_API_TIMEOUT"
DEFAULT_URL = "http://127.0.0.1:3000"


@dataclass
class ApiError(Exception):
    kind: str  # down | slow | auth | session (log in again) | forbidden | unknown | refused | error
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


class ApiClient:
    """Thin JSON client; ``http`` may be any httpx.Client (tests pass the in-process ASGI client)."""

    def __init__(self, base_url: str, key: str, timeout: float = 10.0, http: httpx.Client | None = None):
        self.base_url = base_url.rstrip("/")
        self._http = http or httpx.Client(base_url=self.base_url, timeout=timeout)
        self._headers = {"X-API-Key": key}

    def with_token(self, token: str | None) -> ApiClient:
        """The client acting for the person whose signed token this is (header X-User-Token)."""
        if token:
            self._headers["X-User-Token"] = token
        else:
            self._headers.pop("X-User-Token", None)
        return self

    @classmethod
    def from_env(cls) -> ApiClient:
        url = os.environ.get(URL_ENV, DEFAULT_URL)
        if "://" not in url:  # platforms may hand over "host:port" (Render's hostport)
            url = f"http://{url}"
        return cls(url, os.environ.get(KEY_ENV, ""), float(os.environ.get(TIMEOUT_ENV, "10")))

    def _post(self, path: str, body: dict | None = None) -> Any:
        try:
            response = self._http.post(path, json=body or {}, headers=self._headers)
        except httpx.TimeoutException as error:
            raise ApiError("slow", str(error)) from None
        except httpx.TransportError as error:
            raise ApiError("down", str(error)) from None
        if response.status_code == 401 and "API key" not in _message(response):  # the person's, not the key's
            raise ApiError("session", _message(response))
        if response.status_code == 403 and "X-User-Token" in self._headers:
            raise ApiError("forbidden", _message(response))
        if response.status_code in (401, 403, 503):
            raise ApiError("auth" if response.status_code != 503 else "down", _message(response))
        if response.status_code == 404:
            raise ApiError("unknown", _message(response))
        if 400 <= response.status_code < 500:
            raise ApiError("refused", _message(response))
        if response.status_code >= 500:
            raise ApiError("error", _message(response))
        return response.json()

    def score(self, client_ids: list[int]) -> list[dict]:
        return self._post("/score", {"client_ids": client_ids})["results"]

    def explain(self, client_id: int, language: str, top: int = 8) -> dict:
        return self._post("/explain", {"client_id": client_id, "language": language, "top": top})

    def client(self, client_id: int, language: str) -> dict:
        return self._post("/client", {"client_id": client_id, "language": language})

    def clients(self, **filters: Any) -> dict:  # language among the filters
        return self._post("/clients", {k: v for k, v in filters.items() if v is not None})

    def distribution(self, feature: str, client_id: int | None) -> dict:
        return self._post("/distribution", {"feature": feature, "client_id": client_id})

    def scatter(self, x: str, y: str, client_ids: list[int]) -> dict:
        return self._post("/scatter", {"x": x, "y": y, "client_ids": client_ids, "sample": 800})

    def counterfactual(self, client_id: int, language: str) -> dict:
        return self._post("/counterfactual", {"client_id": client_id, "language": language})

    def simulate(self, client_id: int, changes: dict) -> dict:
        return self._post("/simulate", {"client_id": client_id, "changes": changes})

    def negotiate(self, client_id: int, amount: float, down_payment: float, months: float) -> dict:
        return self._post("/negotiate", {"client_id": client_id, "amount": amount, "down_payment": down_payment,
                                         "months": months})

    def record_terms(self, client_id: int, amount: float, down_payment: float, months: float,
                     language: str) -> dict:
        return self._post("/negotiate/record", {"client_id": client_id, "amount": amount,
                                                "down_payment": down_payment, "months": months, "language": language})

    def model(self) -> dict:
        return self._post("/model")

    # the review workflow: a person's token needed
    def login(self, user: str, password: str) -> dict:
        return self._post("/login", {"user": user, "password": password})

    def review_queue(self, language: str) -> dict:
        return self._post("/review/queue", {"language": language})

    def decide(self, decision_id: int, decision: str, reason_code: str, justification: str) -> dict:
        return self._post("/review/decide", {"decision_id": decision_id, "decision": decision,
                                             "reason_code": reason_code, "justification": justification})

    def flag(self, decision_id: int, justification: str) -> dict:
        return self._post("/review/flag", {"decision_id": decision_id, "justification": justification})

    def approve(self, decision_id: int, grant: bool, justification: str) -> dict:
        return self._post("/review/approve", {"decision_id": decision_id, "grant": grant,
                                              "justification": justification})

    def history(self, client_id: int) -> dict:
        return self._post("/decisions/history", {"client_id": client_id})

    def oversight(self, weeks: int = 12) -> dict:
        return self._post("/decisions/oversight", {"weeks": weeks})

    def verify(self) -> dict:
        return self._post("/decisions/verify")


def _message(response: httpx.Response) -> str:
    """The service's error message: every error answer is {"error": message} (docs/service.md)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    return str(body.get("error", body)) if isinstance(body, dict) else str(body)[:300]
