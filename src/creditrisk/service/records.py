"""What the service records of each decision it gives (``creditrisk.decisions``), with no web framework in it.

For every client answered by /score or /explain: the input as scored (the client id, or the client's raw rows),
the model row the model took, the served model's version and file digest, the feature-builder version, the
policy (threshold, review band), the PD, the automatic decision and the principal reasons given. /score gives
the reasons of refusals and reviews (what the client is told); /explain records the ones it shows.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from creditrisk.config import DecisionsParams
from creditrisk.decisions.commands import DECISIONS_URL_ENV
from creditrisk.decisions.replay import model_digest
from creditrisk.decisions.store import DecisionStore, ModelDecision
from creditrisk.schema import KEY

BB = "bureau_balance"
TOKEN_MINUTES_ENV = "CREDITRISK_TOKEN_MINUTES"  # scripts/serve.sh sets it and $CREDITRISK_DECISIONS_URL from params


def decisions_url() -> str:
    """$CREDITRISK_DECISIONS_URL, else params' default (a SQLite file under data/, the service runs from the root)."""
    return os.environ.get(DECISIONS_URL_ENV) or DecisionsParams().database


def token_minutes() -> int:
    return int(os.environ.get(TOKEN_MINUTES_ENV) or DecisionsParams().token_minutes)


class DecisionRecorder:
    """Turns a scorer's answers into decision records, one transaction per request (all or nothing)."""

    def __init__(self, store: DecisionStore, scorer: Any) -> None:
        bundle = scorer.predictor.bundle
        self.store, self.scorer = store, scorer
        self.fixed = {"model_version": int(bundle.served.model_version),
                      "model_hash": model_digest(scorer.predictor.model),
                      "feature_version": bundle.feature_version, "threshold": float(bundle.threshold),
                      "review_band": float(bundle.served.review_band)}

    def record(self, scores: Any, inputs: list[dict], explained: list[dict] | None = None,
               language: str = "fr") -> list[int]:
        """Record each scored client (``inputs``: the input of each, as received); their decision numbers.
        Without ``explained``, the principal reasons of the clients not accepted are computed here."""
        reasons = [e["reasons"] for e in explained] if explained is not None else self._reasons(scores, language)
        channel = "records" if any("records" in i for i in inputs) else "id"
        decisions = [ModelDecision(client_id=int(client), channel=channel, input=_json(inputs[i]),
                                   features=_json(scores.rows[i]), pd=float(scores.pd[i]),
                                   auto_decision=str(scores.decision[i]),
                                   reasons=None if reasons[i] is None else _json(reasons[i]), **self.fixed)
                     for i, client in enumerate(scores.client_ids)]
        return self.store.record_model(decisions)

    def _reasons(self, scores: Any, language: str) -> list[list | None]:
        """The principal reasons of the refused and review clients (accepted clients are told no reasons)."""
        from creditrisk.service.scorer import Scores

        told = [i for i, d in enumerate(scores.decision) if d != "accept"]
        out: list[list | None] = [None] * len(scores.client_ids)
        if told:
            subset = Scores([scores.client_ids[i] for i in told], [scores.rows[i] for i in told], scores.raw[told],
                            scores.pd[told], scores.decision[told])
            for i, explained in zip(told, self.scorer.explain(subset, top=1, language=language), strict=True):
                out[i] = explained["reasons"]
        return out


def client_inputs(client_ids: list[int] | None, records: Any, scored: list[int]) -> list[dict]:
    """The input of each scored client as received: its id, or its own rows of each table sent."""
    if client_ids is not None:
        return [{"client_id": int(c)} for c in scored]
    dumped = {table: rows for table, rows in records.model_dump().items() if rows}
    out = []
    for client in scored:
        own = {table: [r for r in rows if r.get(KEY) == client] for table, rows in dumped.items() if table != BB}
        loans = {r["SK_ID_BUREAU"] for r in own.get("bureau", [])}
        if BB in dumped:  # keyed by the bureau loan, not by the applicant
            own[BB] = [r for r in dumped[BB] if r.get("SK_ID_BUREAU") in loans]
        out.append({"records": own})
    return out


def _json(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False, allow_nan=True)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")
