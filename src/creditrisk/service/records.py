"""What the service records of each decision it gives (``creditrisk.decisions``), with no web framework in it.

For every application answered by /score, /explain or /client (a client's file opened): the input as scored
(the client id, or the client's raw rows), the model row the model took, the served model's version and file
digest, the feature-builder version, the policy (threshold, review band), the PD, the automatic decision, the
principal reasons given and who asked. An application already recorded is not recorded again: the answer gives
its decision of record and the decision in force (a person's approved override included). /score gives the
reasons of refusals and reviews (what the client is told); /explain records the ones it shows.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from creditrisk.config import DecisionsParams
from creditrisk.data.schema import KEY
from creditrisk.decisions.commands import DECISIONS_URL_ENV
from creditrisk.decisions.replay import model_digest
from creditrisk.decisions.store import DecisionStore, ModelDecision, application_ref

BB = "bureau_balance"
# scripts/serve.sh sets these (and $CREDITRISK_DECISIONS_URL, the chain key and checkpoints) from params: the
# service reads its environment, as in a container, not params.yaml
TOKEN_MINUTES_ENV = "CREDITRISK_TOKEN_MINUTES"
CHECKPOINT_ENV = "CREDITRISK_CHECKPOINT_EVERY"  # "<records>,<minutes>"
LOGIN_ENV = "CREDITRISK_LOGIN_POLICY"  # "<max failures>,<window minutes>,<lockout minutes>"
REFUSED_LOGIN_DELAY_ENV = "CREDITRISK_REFUSED_LOGIN_DELAY"  # seconds; the service's default: REFUSED_LOGIN_DELAY
REFUSED_LOGIN_DELAY = 1.0  # seconds a refused login waits before its answer (asleep: no CPU, no scoring thread)


def decisions_url() -> str:
    """$CREDITRISK_DECISIONS_URL, else params' default (a SQLite file under data/, the service runs from the root)."""
    return os.environ.get(DECISIONS_URL_ENV) or DecisionsParams().database


def token_minutes() -> int:
    return int(os.environ.get(TOKEN_MINUTES_ENV) or DecisionsParams().token_minutes)


def checkpoint_policy():
    from creditrisk.decisions.store import CheckpointPolicy

    defaults = DecisionsParams()
    records, minutes = (os.environ.get(CHECKPOINT_ENV) or
                        f"{defaults.checkpoint_records},{defaults.checkpoint_minutes}").split(",")
    return CheckpointPolicy(int(records), float(minutes))


def login_policy():
    from creditrisk.decisions.users import LoginPolicy

    defaults = DecisionsParams()
    values = (os.environ.get(LOGIN_ENV) or f"{defaults.login_max_failures},{defaults.login_window_minutes},"
              f"{defaults.login_lockout_minutes}").split(",")
    return LoginPolicy(int(values[0]), float(values[1]), float(values[2]))


def refused_login_delay() -> float:
    """Seconds a refused login waits before its answer: $CREDITRISK_REFUSED_LOGIN_DELAY, else 1 s."""
    value = float(os.environ.get(REFUSED_LOGIN_DELAY_ENV) or REFUSED_LOGIN_DELAY)
    if not 0 <= value <= 30:
        from creditrisk.errors import ConfigError

        raise ConfigError(f"${REFUSED_LOGIN_DELAY_ENV} = {value:g}: expected seconds from 0 to 30")
    return value


def api_key_id() -> str:
    """The machine key named without revealing it (the first 8 hex digits of its SHA-256), for the records."""
    import hashlib

    return hashlib.sha256(os.environ.get("CREDITRISK_API_KEY", "").encode()).hexdigest()[:8]


class DecisionRecorder:
    """Turns a scorer's answers into decision records, one transaction per request (all or nothing)."""

    def __init__(self, store: DecisionStore, scorer: Any) -> None:
        bundle = scorer.predictor.bundle
        self.store, self.scorer = store, scorer
        self.fixed = {"model_version": int(bundle.served.model_version),
                      "model_hash": model_digest(scorer.predictor.model),
                      "feature_version": bundle.feature_version, "threshold": float(bundle.threshold),
                      "review_band": float(bundle.served.review_band)}

    def applications(self, scores: Any, channel: str) -> list[str]:
        """The application reference of each scored client (``application_ref`` of its model row)."""
        return [application_ref(channel, int(c), _json(row), self.fixed["model_version"])
                for c, row in zip(scores.client_ids, scores.rows, strict=True)]

    def record(self, scores: Any, inputs: list[dict], explained: list[dict] | None = None, language: str = "fr",
               requested_by: str | None = None) -> list[dict]:
        """The decision of record of each scored client (``inputs``: the input of each, as received), recorded
        when its application is new: decision number, application, whether recorded now, decision in force.
        Without ``explained``, the principal reasons of the new clients not accepted are computed here; each
        reason recorded carries the ``language`` its sentence is written in (the letter is written in it)."""
        channel = "records" if any("records" in i for i in inputs) else "id"
        refs = self.applications(scores, channel)
        if explained is not None:
            reasons = [e["reasons"] for e in explained]
        else:
            known = self.store.applications_of(refs)
            reasons = self._reasons(scores, language, [i for i, r in enumerate(refs) if r not in known])
        reasons = [None if told is None else [r | {"language": language} for r in told] for told in reasons]
        decisions = [ModelDecision(client_id=int(client), channel=channel, input=_json(inputs[i]),
                                   features=_json(scores.rows[i]), pd=float(scores.pd[i]),
                                   auto_decision=str(scores.decision[i]), requested_by=requested_by,
                                   reasons=None if reasons[i] is None else _json(reasons[i]), **self.fixed)
                     for i, client in enumerate(scores.client_ids)]
        return self.store.record_model(decisions)

    def of_record(self, scores: Any) -> list[dict | None]:
        """The decision of record of each client's stored-file application, or None when it was never scored
        (a browse shows the model's estimate then, marked as such: nothing is recorded by browsing)."""
        refs = self.applications(scores, "id")
        known = self.store.applications_of(refs)
        return [known.get(ref) for ref in refs]

    def _reasons(self, scores: Any, language: str, new: list[int]) -> list[list | None]:
        """The principal reasons of the new refused and review clients (accepted clients are told no reasons)."""
        from creditrisk.service.scorer import Scores

        told = [i for i in new if scores.decision[i] != "accept"]
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
