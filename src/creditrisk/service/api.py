"""The BentoML scoring service: score, explain and look up clients with the published champion.

``bentoml serve`` (bentofile.yaml at the project root) starts it. The model comes from the local BentoML store
(``creditrisk-pd``, imported by the publish stage); nothing is ever downloaded. Every endpoint except the health
checks and the API documentation needs the ``X-API-Key`` header to equal ``$CREDITRISK_API_KEY``. Scored clients
are counted in the traffic log (``$CREDITRISK_TRAFFIC_DIR``, default ``data/traffic``) for production drift: counts per
bin of the monitored features, never a line about one client (``creditrisk.monitoring.traffic``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any, Literal

import bentoml
from bentoml.exceptions import InvalidArgument, NotFound
from pydantic import Field

from creditrisk.artefacts.catalogue import BENTO_TAG, BUNDLE_FILE
from creditrisk.decisions.tables import ROLES
from creditrisk.errors import CreditRiskError, InvalidRequest
from creditrisk.service import sanity
from creditrisk.service.http import (
    API_KEY_ENV,
    Limits,
    RequestGuard,
    RequestMetrics,
    metrics_app,
    quiet_client_errors,
)
from creditrisk.service.requests import (
    FreeText,
    JsonFloat,
    JsonInt,
    RawRecords,
    check_history_size,
    validate_changes,
)

log = logging.getLogger(__name__)

TRAFFIC_ENV = "CREDITRISK_TRAFFIC_DIR"
USER_TOKEN_HEADER = "x-user-token"  # the acting person's signed token (POST /login), beside the machine key
PASSWORD_QUEUE = 4  # logins waiting for a password check in one worker; more are answered 429 at once
Language = Literal["fr", "en"]
ClientId = Annotated[JsonInt, Field(ge=1, description="SK_ID_CURR of a production client (application_test)")]






@contextlib.contextmanager
def _domain_errors():
    """The scorer's domain errors as HTTP answers (an unknown client 404, an invalid request 400). Any other
    exception is a bug: BentoML logs its traceback and answers 500 "an unexpected error", never the client's
    mistake."""
    try:
        yield
    except CreditRiskError as error:
        if error.http_status == 404:
            raise NotFound(str(error)) from None
        if error.http_status in (401, 403, 429, 503):
            raise _Answered(error.http_status, str(error), getattr(error, "retry_after", None)) from None
        raise InvalidArgument(str(error)) from None


class _Answered(Exception):
    """An error answered with its own message: BentoML would hide it (401/403: "Authorization error", 5xx: "an
    unexpected error"), but who may not do what, and a database that does not answer, are the caller's to know."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


def answers_errors(endpoint):
    """An endpoint (with a ``ctx`` parameter) that answers 401, 403, 429 and 503 with the error's message (and,
    for 429, the seconds to wait, in the body and the Retry-After header)."""

    def answered(ctx, answer: _Answered) -> dict:
        ctx.response.status_code = answer.status
        if answer.retry_after is not None:
            ctx.response.headers["Retry-After"] = str(answer.retry_after)
            return {"error": answer.message, "retry_after_seconds": answer.retry_after}
        return {"error": answer.message}

    if inspect.iscoroutinefunction(endpoint):  # BentoML runs a coroutine on the event loop, not the sync thread
        @functools.wraps(endpoint)
        async def awaited(self, *args, **kwargs):
            try:
                return await endpoint(self, *args, **kwargs)
            except _Answered as answer:
                return answered(kwargs["ctx"], answer)

        return awaited

    @functools.wraps(endpoint)
    def wrapped(self, *args, **kwargs):
        try:
            return endpoint(self, *args, **kwargs)
        except _Answered as answer:
            return answered(kwargs["ctx"], answer)

    return wrapped


def _tables(records: Any) -> dict:
    """Validated request rows -> typed polars tables with the ingestion contract's dtypes."""
    import polars as pl

    from creditrisk.data import schema

    tables = {}
    for name, rows in records.model_dump().items():
        if rows:
            contract = schema.table("application_test" if name == "application" else name)
            tables[name] = pl.DataFrame(rows, schema=schema.polars_schema(contract), orient="row")
    return tables


def _lowest_priority() -> None:
    """This thread (and the threads argon2 starts from it) yields the CPU to every other one (Linux: nice 19)."""
    with contextlib.suppress(OSError, AttributeError):  # elsewhere, or not allowed: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def default_workers() -> int:
    """Worker processes: $CREDITRISK_WORKERS, else one per core and at least two (a crashed worker is restarted
    while the other answers)."""
    return int(os.environ.get("CREDITRISK_WORKERS") or max(2, os.cpu_count() or 1))


@bentoml.service(name="creditrisk", traffic={"timeout": 30}, workers=default_workers(),
                 metrics={"enabled": False})  # counted by http.RequestMetrics, with bounded labels
class CreditRisk:
    """Probability of default, decision and reasons for Prêt à dépenser's applicants."""

    model_ref = bentoml.models.BentoModel(BENTO_TAG)  # what `bentoml build` packs into the bento

    def __init__(self) -> None:
        from creditrisk.decisions.store import DecisionStore, migrate, redacted
        from creditrisk.errors import StoreUnavailable
        from creditrisk.monitoring.traffic import TrafficLog
        from creditrisk.service.counterfactual import ranges_for
        from creditrisk.service.population import Portfolio
        from creditrisk.service.records import (
            DecisionRecorder,
            api_key_id,
            checkpoint_policy,
            decisions_url,
            login_policy,
            refused_login_delay,
            token_minutes,
        )
        from creditrisk.service.scorer import Scorer, ServingData

        data = ServingData.load(Path(_stored_model().path))
        self.scorer = Scorer(data)
        self.portfolio = Portfolio(data, self.scorer)
        self.ranges = ranges_for(self.scorer)
        self.served = data.predictor.bundle.served
        self.traffic = TrafficLog(Path(os.environ.get(TRAFFIC_ENV, "data/traffic")), data.bins,
                                  self.served.traffic_flush_clients, self.served.traffic_retention_days,
                                  shadow=self._shadow)
        self.traffic_failed = False
        url = decisions_url()
        if url.startswith("sqlite"):  # the embedded default migrates itself (its writers are serialised)
            migrate(url)
        try:  # a server database must be migrated beforehand (`decisions migrate`)
            self.store = DecisionStore(url, policy=checkpoint_policy())
        except StoreUnavailable as error:  # e.g. behind its checkpoints: every recording answers 503 with why
            self.store, self.store_problem = None, error
            log.error("the decision store is unavailable: %s", error)
        self.recorder = DecisionRecorder(self.store, self.scorer) if self.store else None
        self.token_minutes = token_minutes()
        self.login_policy = login_policy()
        self.refused_login_delay = refused_login_delay()
        # password checks (argon2, memory- and CPU-hard on purpose) run here, one at a time per worker, at the
        # lowest CPU priority, never on the thread that scores: a flood of logins cannot take the scoring's cores
        # (docs/decisions.md has the measure)
        self.passwords = ThreadPoolExecutor(max_workers=1, thread_name_prefix="password",
                                            initializer=_lowest_priority)
        self.password_queue = threading.BoundedSemaphore(PASSWORD_QUEUE)
        self.key_id = api_key_id()
        log.info("decisions recorded in %s", redacted(url))
        quiet_client_errors()
        if not os.environ.get(API_KEY_ENV):
            log.warning("%s is not set: every protected endpoint answers 503", API_KEY_ENV)
        log.info("model version %s loaded: %d features, %d production clients", self.scorer.version,
                 len(self.scorer.features), len(data.production))

    def _recorder(self):
        """The decision recorder, or 503 with why the store cannot record (nothing is answered as recorded)."""
        if self.recorder is None:
            raise self.store_problem
        return self.recorder

    def _requested_by(self, ctx: bentoml.Context) -> str:
        """Who asks: the person of a valid X-User-Token, else the machine key (by its id, never its value)."""
        token = ctx.request.headers.get(USER_TOKEN_HEADER)
        if token is None:
            return f"api key {self.key_id}"
        return f"user {self._actor(ctx).name}"

    # ------------------------------------------------------------------------------------------ scoring
    def _scores(self, client_ids: list[int] | None, records: Any):
        if (client_ids is None) == (records is None):
            raise InvalidArgument("give exactly one of client_ids (production clients) or records (raw rows)")
        count = len(client_ids) if client_ids is not None else len(records.application)
        if count == 0:
            raise InvalidArgument("no client to score: the list is empty")
        if count > self.served.max_batch:
            raise InvalidArgument(f"{count} clients in one request; the limit is {self.served.max_batch} "
                                  "(params serve.max_batch): split the batch")
        with _domain_errors():
            if client_ids is not None:
                return self.scorer.score_ids(client_ids)
            check_history_size(records, self.served.max_history_rows_per_client, self.served.max_history_rows)
            implausible = [p for i, row in enumerate(records.application)
                           for p in sanity.problems(row.model_dump(), self.served, f"records.application[{i}]")]
            if implausible:
                raise InvalidRequest("; ".join(implausible))
            return self.scorer.score_records(_tables(records))

    @bentoml.api(route="/score")
    @answers_errors
    def score(self, ctx: bentoml.Context, client_ids: list[ClientId] | None = None,
              records: RawRecords | None = None) -> dict:
        """PD, grade, the model's decision (accept / review / refuse) and the decision in force of each client's
        application, with its decision of record (``decision_id``): the first scoring of an application is
        recorded before it is answered, a scoring again records nothing and answers the decision of record (a
        person's approved override included). Records submitted by the caller are their own application, never
        the stored client's. 503 when the decision database does not answer (nothing recorded; retry)."""
        from creditrisk.service.records import client_inputs

        scores = self._scores(client_ids, records)
        with _domain_errors():
            recorded = self._recorder().record(scores, client_inputs(client_ids, records, scores.client_ids),
                                               requested_by=self._requested_by(ctx))
        self._log_traffic(scores)
        log.info("scored %d client(s), %d new decision(s)", len(scores.client_ids), sum(r["recorded"]
                                                                                       for r in recorded))
        return {"results": [of_record(r, rec) for r, rec in zip(self.scorer.as_results(scores), recorded,
                                                                 strict=True)]}

    def _log_traffic(self, scores: Any) -> None:
        """Monitoring data: a failure to write it never fails the scoring (counted; logged once per process)."""
        try:
            monitored = self.scorer.values(scores, list(self.traffic.bins.features))
            self.traffic.record(self.scorer.version, monitored, scores.pd, scores.decision,
                                shadow_inputs=self.scorer.challenger_inputs(scores))
        except OSError as error:
            _traffic_failures().inc()
            if not self.traffic_failed:
                self.traffic_failed = True
                log.error("the traffic log cannot be written (%s): scoring goes on; failures are counted in the "
                          "metric creditrisk_traffic_log_failures_total", error.strerror or error)

    def _shadow(self, inputs: Any):
        """The challenger's PDs and decisions for the traffic log (called when a count line is written); a
        failure there never fails the scoring."""
        try:
            return self.scorer.shadow(inputs)
        except Exception:  # the shadow model is never decisive, not even by failing
            log.exception("internal error in the challenger's shadow scoring; the champion's answer is unaffected")
            return None

    @bentoml.api(route="/explain")
    @answers_errors
    def explain(self, ctx: bentoml.Context, client_id: ClientId | None = None, records: RawRecords | None = None,
                top: Annotated[JsonInt, Field(ge=1, le=50)] = 10, language: Language = "fr") -> dict:
        """Top factors raising and lowering one client's risk (SHAP, logit scale); base + all = logit."""
        from creditrisk.service.records import client_inputs

        scores = self._scores(None if client_id is None else [client_id], records)
        if len(scores.client_ids) != 1:
            raise InvalidArgument("explain takes one client: give one application row")
        explained = self.scorer.explain(scores, top=top, language=language)
        inputs = client_inputs(None if client_id is None else [client_id], records, scores.client_ids)
        with _domain_errors():
            (recorded,) = self._recorder().record(scores, inputs, explained=explained, language=language,
                                                  requested_by=self._requested_by(ctx))
        return of_record(explained[0], recorded)

    # ------------------------------------------------------------------------------------------ people
    def _actor(self, ctx: bentoml.Context):
        """The person acting, from the signed token of header X-User-Token (401 without one)."""
        from creditrisk.decisions.users import secret, verify_token
        from creditrisk.errors import NotAuthenticated

        token = ctx.request.headers.get(USER_TOKEN_HEADER)
        with _domain_errors():
            if token is None:
                raise NotAuthenticated("log in first: this needs a person's token (header X-User-Token)")
            return verify_token(self.store, token, secret())

    @bentoml.api(route="/login")
    @answers_errors
    async def login(self, ctx: bentoml.Context, user: Annotated[FreeText, Field(min_length=1, max_length=64)],
                    password: Annotated[str, Field(min_length=1, max_length=256)]) -> dict:
        """A person's signed token (header X-User-Token on the review endpoints), valid for a working day. After
        too many failures an account or an address waits (429, with the seconds to wait). The password check
        (argon2, deliberately slow) runs on a pool of its own and is awaited: each worker scores on one thread
        (BentoML's ``threads``), which a flood of logins must not hold. A refused login (wrong password, locked,
        too many at once) is answered after ``refused_login_delay()`` seconds asleep (1 s): a client that floods
        /login waiting for each answer sends one a second per connection, not as many as the CPU can refuse."""
        from creditrisk.decisions.users import issue_token, login, secret
        from creditrisk.errors import NotAuthenticated, TooManyAttempts

        address = ctx.request.client.host if ctx.request.client else "unknown"
        with _domain_errors():
            if self.store is None:
                raise self.store_problem
            try:
                actor = await self._on_password_pool(login, self.store, user, password, address,
                                                     self.login_policy)
            except (NotAuthenticated, TooManyAttempts):
                await asyncio.sleep(self.refused_login_delay)
                raise
            token = issue_token(actor, self.token_minutes, secret())
        return {"token": token, "user": actor.name, "role": actor.role, "valid_minutes": self.token_minutes}

    async def _on_password_pool(self, function, *args):
        """``function`` on the bounded password pool, awaited; more logins waiting than the pool takes: 429 now."""
        from creditrisk.errors import TooManyAttempts

        if not self.password_queue.acquire(blocking=False):
            raise TooManyAttempts("too many logins at once: retry in a second", 1)
        try:
            return await asyncio.wrap_future(self.passwords.submit(function, *args))
        finally:
            self.password_queue.release()

    @bentoml.api(route="/review/queue")
    @answers_errors
    def review_queue(self, ctx: bentoml.Context, language: Language = "fr") -> dict:
        """The cases waiting for a person (review zone and flagged), and the overrides waiting for an approver."""
        from creditrisk.decisions.workflow import REASON_CODES, require_role

        actor = self._actor(ctx)
        with _domain_errors():
            require_role(actor, ROLES, "see the review queue")
            column = 0 if language == "en" else 1
            approval = []
            for case in self.store.open_cases("pending_approval"):  # with the model's reasons the override answers
                model = self.store.model_record_of(case["decision_id"])
                approval.append(case | {"model_reasons": model["reasons"], "model_decision_id": model["decision_id"]})
            return {"review": self.store.open_cases("pending_review"), "approval": approval,
                    "reason_codes": {code: labels[column] for code, labels in REASON_CODES.items()}}

    @bentoml.api(route="/review/decide")
    @answers_errors
    def review_decide(self, ctx: bentoml.Context, decision_id: JsonInt, decision: Literal["accept", "refuse"],
                      reason_code: Annotated[str, Field(max_length=40)],
                      justification: Annotated[FreeText, Field(max_length=2000)]) -> dict:
        """A person's decision on a case in review (or a correction of an earlier one): recorded; an acceptance
        on the model's refusal side waits for an approver (four eyes)."""
        actor = self._actor(ctx)
        with _domain_errors():
            return self.store.review(decision_id, actor, decision, reason_code, justification)

    @bentoml.api(route="/review/flag")
    @answers_errors
    def review_flag(self, ctx: bentoml.Context, decision_id: JsonInt,
                    justification: Annotated[FreeText, Field(max_length=2000)]) -> dict:
        """Send an automatic decision to review (a relationship manager's doubt), with why."""
        actor = self._actor(ctx)
        with _domain_errors():
            return {"decision_id": self.store.flag(decision_id, actor, justification), "status": "pending_review"}

    @bentoml.api(route="/review/approve")
    @answers_errors
    def review_approve(self, ctx: bentoml.Context, decision_id: JsonInt, grant: bool,
                       justification: Annotated[FreeText, Field(max_length=2000)]) -> dict:
        """An approver grants or refuses a colleague's favourable override (never their own)."""
        actor = self._actor(ctx)
        with _domain_errors():
            return self.store.approve(decision_id, actor, grant, justification)

    @bentoml.api(route="/decisions/history")
    @answers_errors
    def decision_history(self, ctx: bentoml.Context, client_id: ClientId) -> dict:
        """Every recorded decision of a client, oldest first: the model's and each person's, with who and why; a
        model record (an application) with the decision in force of its case (``in_force``; None for a person's)."""
        from creditrisk.decisions.workflow import require_role

        actor = self._actor(ctx)
        with _domain_errors():
            require_role(actor, ROLES, "read the decisions")
            records = self.store.history(client_id)
            in_force = self.store.in_force([r["decision_id"] for r in records if r["kind"] == "model"])
        keep = ("decision_id", "recorded_at", "kind", "parent", "status", "pd", "auto_decision", "reasons",
                "actor", "actor_role", "final_decision", "reason_code", "justification", "model_version",
                "channel", "requested_by", "application")
        return {"client_id": client_id,
                "records": [{k: r[k] for k in keep} | {"terms": _agreed_terms(r),
                                                       "in_force": in_force.get(r["decision_id"])}
                            for r in records]}

    @bentoml.api(route="/decisions/oversight")
    @answers_errors
    def decision_oversight(self, ctx: bentoml.Context, weeks: Annotated[JsonInt, Field(ge=1, le=104)] = 12) -> dict:
        """Human oversight per week: decisions by the model alone, reviews, overrides by direction and reason,
        the review queue's size and age."""
        from creditrisk.decisions.oversight import oversight
        from creditrisk.decisions.workflow import require_role

        actor = self._actor(ctx)
        with _domain_errors():
            require_role(actor, ROLES, "read the oversight figures")
            return oversight(self.store, weeks)

    @bentoml.api(route="/decisions/verify")
    @answers_errors
    def decision_verify(self, ctx: bentoml.Context) -> dict:
        """The keyed chain and its checkpoints recomputed (as `creditrisk decisions verify`), for an auditor or an
        approver: the records checked, intact or not, and the first bad record."""
        from creditrisk.decisions.workflow import require_role

        actor = self._actor(ctx)
        with _domain_errors():
            require_role(actor, ("approver", "auditor"), "verify the decision records")
            return self.store.verify()

    @bentoml.api(route="/simulate")
    def simulate(self, client_id: ClientId,
                 changes: Annotated[dict[str, Any], Field(min_length=1, max_length=20)]) -> dict:
        """What-if: a production client's score with some application fields changed. A simulation: counted,
        never recorded as a decision."""
        with _domain_errors():
            validate_changes(changes)
            row = self.scorer.application(client_id) | changes
            implausible = sanity.problems(row, self.served, "changes")
            if implausible:
                raise InvalidRequest("; ".join(implausible))
            current, simulated = self.scorer.simulate(client_id, changes)
        _simulations().labels(kind="what-if").inc()
        return {"simulation": True, "changes": changes, "current": self.scorer.as_results(current)[0],
                "simulated": self.scorer.as_results(simulated)[0] | {"simulation": True}}

    @bentoml.api(route="/negotiate")
    def negotiate(self, client_id: ClientId, amount: Annotated[JsonFloat, Field(gt=0)],
                  months: Annotated[JsonFloat, Field(gt=0)],
                  down_payment: Annotated[JsonFloat, Field(ge=0)] = 0.0) -> dict:
        """The adviser's what-if on the loan terms: the purchase's amount, the client's down payment and the term in
        months (the credit is the amount less the down payment, repaid in equal monthly instalments; a smaller
        amount is a cheaper purchase). A simulation: counted, never recorded as a decision."""
        terms, changes, current, simulated = self._negotiated(client_id, amount, months, down_payment)
        _simulations().labels(kind="what-if").inc()
        return {"simulation": True, "terms": terms, "changes": changes,
                "current": self.scorer.as_results(current)[0],
                "simulated": self.scorer.as_results(simulated)[0] | {"simulation": True}}

    @bentoml.api(route="/negotiate/record")
    @answers_errors
    def negotiate_record(self, ctx: bentoml.Context, client_id: ClientId, amount: Annotated[JsonFloat, Field(gt=0)],
                         months: Annotated[JsonFloat, Field(gt=0)],
                         down_payment: Annotated[JsonFloat, Field(ge=0)] = 0.0, language: Language = "fr") -> dict:
        """The loan a relationship manager agreed with the client (amount, down payment, term in months), recorded
        as the client's application on those terms: scored as /negotiate scores it, decided by the model's policy
        (a case in the review band waits for a person, as any other) and recorded with who sent it; the same terms
        again record nothing. The application as first filed keeps its own decision of record."""
        from creditrisk.decisions.workflow import require_role

        with _domain_errors():
            actor = require_role(self._actor(ctx), ("relationship_manager",), "record the terms agreed with a client")
        terms, changes, _, simulated = self._negotiated(client_id, amount, months, down_payment)
        inputs = [{"client_id": client_id, "records": {"terms": terms, "application_changes": changes}}]
        with _domain_errors():
            (recorded,) = self._recorder().record(simulated, inputs, requested_by=f"user {actor.name}",
                                                  language=language)
        answer = self.scorer.as_results(simulated)[0] | {"terms": terms, "changes": changes}
        return of_record(answer, recorded)

    def _negotiated(self, client_id: int, amount: float, months: float, down_payment: float):
        """The terms as shown, the application fields they change, and the scores before and on those terms."""
        from creditrisk.service.counterfactual import LoanTerms, application_changes, check_terms, terms_shown

        terms = LoanTerms(amount, months, down_payment)
        low, high = self.served.payment_rate  # instalment / credit: the plausible terms, in months
        with _domain_errors():
            check_terms(terms, 1 / high, 1 / low)
            application = self.scorer.application(client_id)
            if not application.get("AMT_CREDIT") or not application.get("AMT_ANNUITY"):
                raise InvalidRequest(f"client_id {client_id}: the application has no credit amount or instalment "
                                     "to negotiate")
            changes = application_changes(application, terms)
            implausible = sanity.problems(application | changes, self.served, "terms")
            if implausible:
                raise InvalidRequest("; ".join(implausible))
            current, simulated = self.scorer.simulate(client_id, changes)
        return terms_shown(terms), changes, current, simulated

    @bentoml.api(route="/counterfactual")
    def counterfactual(self, client_id: ClientId, language: Language = "fr") -> dict:
        """What would change the decision: for a refused or review client, the smallest change of the loan terms
        (amount, term, down payment) that gives "accept", each scored like /score; or why none is enough. Each
        proposal is a simulation: counted, never recorded."""
        from creditrisk.reasons.catalogue import load_catalogue
        from creditrisk.service.counterfactual import what_would_change

        with _domain_errors():
            answer = what_would_change(self.scorer, client_id, self.ranges, load_catalogue(), language)
        proposals = answer.get("proposals", [])
        if proposals:
            _simulations().labels(kind="proposal").inc(len(proposals))
        return answer | {"simulation": True, "proposals": [p | {"simulation": True} for p in proposals]}

    # ------------------------------------------------------------------------------------------ dashboard data
    @bentoml.api(route="/client")
    @answers_errors
    def client(self, ctx: bentoml.Context, client_id: ClientId, language: Language = "fr") -> dict:
        """A production client's file: descriptive information, history summary, PD and the decision of record
        of its application (recorded at its first opening; opening it again records nothing)."""
        with _domain_errors():
            info = self.portfolio.client_info(client_id, language)
            scores = self.scorer.score_ids([client_id])
            (recorded,) = self._recorder().record(scores, [{"client_id": client_id}],
                                                  requested_by=self._requested_by(ctx), language=language)
        return of_record(info, recorded)

    @bentoml.api(route="/clients")
    @answers_errors
    def clients(self, ctx: bentoml.Context, decision: Literal["accept", "review", "refuse"] | None = None,
                contract_type: Literal["Cash loans", "Revolving loans"] | None = None,
                income_min: JsonFloat | None = None, income_max: JsonFloat | None = None,
                age_min: JsonFloat | None = None, age_max: JsonFloat | None = None,
                pd_min: Annotated[JsonFloat, Field(ge=0, le=1)] | None = None,
                pd_max: Annotated[JsonFloat, Field(ge=0, le=1)] | None = None,
                limit: Annotated[JsonInt, Field(ge=1, le=500)] = 50,
                offset: Annotated[JsonInt, Field(ge=0)] = 0,
                language: Language = "fr") -> dict:
        """Browse production clients with filters (the model's decision, contract type, income, age, PD range).
        A client whose application has a decision of record shows it and the decision in force; the others show
        the model's estimate, marked ``simulation`` (browsing records nothing)."""
        page = self.portfolio.browse(decision, contract_type, (income_min, income_max), (age_min, age_max),
                                     (pd_min, pd_max), limit, offset, language)
        ids = [c["client_id"] for c in page["clients"]]
        with _domain_errors():
            known = self._recorder().of_record(self.scorer.score_ids(ids)) if ids else []
        page["clients"] = [of_record(c, k) if k else c | {"decision_id": None, "simulation": True}
                           for c, k in zip(page["clients"], known, strict=True)]
        return page

    @bentoml.api(route="/distribution")
    def distribution(self, feature: str, client_id: ClientId | None = None,
                     bins: Annotated[JsonInt, Field(ge=2, le=100)] = 20,
                     neighbours: Annotated[JsonInt, Field(ge=5, le=1000)] = 50) -> dict:
        """A feature over all clients, accepted / review / refused, and the client's most similar clients."""
        with _domain_errors():
            return self.portfolio.distribution(feature, client_id, bins, neighbours)

    @bentoml.api(route="/scatter")
    def scatter(self, x: str, y: str, client_ids: Annotated[list[ClientId], Field(max_length=20)] = (),
                sample: Annotated[JsonInt, Field(ge=10, le=5000)] = 1000) -> dict:
        """Two numeric features for a sample of clients (with their decision), the given clients highlighted."""
        with _domain_errors():
            return self.portfolio.scatter(x, y, list(client_ids), sample)

    @bentoml.api(route="/model")
    def model(self) -> dict:
        """Model version, training date, holdout metrics, business cost, threshold, importance, drift summary."""
        return self.portfolio.model_info()


def _agreed_terms(record: dict) -> dict | None:
    """The loan terms a relationship manager recorded as agreed with the client (/negotiate/record), or None."""
    submitted = (record.get("input") or {}).get("records")
    return submitted.get("terms") if isinstance(submitted, dict) else None


def of_record(answer: dict, recorded: dict) -> dict:
    """An answer carrying a PD, tied to its decision of record: the model's decision stays ``model_decision``,
    ``decision`` is the decision in force (a person's approved override, or "review" while a person decides)."""
    force = recorded["in_force"]
    out = {k: v for k, v in answer.items() if k != "decision"}
    return out | {"model_decision": answer.get("decision"), "decision": force["decision"], "decided_by": force["by"],
                  "decided_by_name": force.get("actor"), "status": force["status"],
                  "decision_id": recorded["decision_id"],
                  "decision_in_force_id": force["record"], "application": recorded["application"],
                  "recorded_now": recorded.get("recorded", False), "simulation": False}


@functools.cache
def _simulations():
    """Prometheus counter of simulated scores (what-ifs, proposals): counted, never recorded as decisions."""
    from prometheus_client import Counter

    return Counter(name="creditrisk_simulations", labelnames=["kind"],
                   documentation="Scores given as simulations (what-if, counterfactual proposals)")


@functools.cache
def _traffic_failures():
    """Prometheus counter of scoring requests whose traffic-log write failed (on /metrics, behind the key)."""
    from prometheus_client import Counter

    return Counter(name="creditrisk_traffic_log_failures",
                   documentation="Scoring requests whose traffic-log write failed")


def _stored_model():
    """The model from the local store only: BentoModel would otherwise try to download it from BentoCloud."""
    from bentoml.exceptions import NotFound as StoreNotFound

    home = os.environ.get("BENTOML_HOME", "~/bentoml")
    try:
        model = bentoml.models.get(BENTO_TAG)
    except StoreNotFound:
        raise RuntimeError(f"no {BENTO_TAG} in the BentoML model store ({home}): run `dvc repro publish` or "
                           "`creditrisk publish --import-only`") from None
    if "BENTOML_HOME" not in os.environ:  # the user's shared default store: it may hold another checkout's model
        _same_as_this_checkout(model, home)
    return model


def _same_as_this_checkout(model, home: str) -> None:
    """Started from a checkout (its models/serving published) on the user's default store, the store's model must
    be that checkout's: the default store is shared by every checkout of the user, and another checkout's
    `dvc repro` may have imported its own model. A store set by $BENTOML_HOME is the operator's choice."""
    from creditrisk.service.model_store import content_hash

    here = Path("models/serving")
    if not (here / BUNDLE_FILE).exists():  # a container or a bento: the store is the only model there is
        return
    if model.info.labels.get("content_hash") != content_hash(here):
        raise RuntimeError(f"the BentoML model store ({home}) holds {model.tag}, which is not this checkout's "
                           f"published model ({here.resolve()}): another checkout published since. Run "
                           "`creditrisk publish --import-only` here, or serve with a store of this checkout's own: "
                           "`BENTOML_HOME=.run/bentoml bentoml serve` (as scripts/serve.sh does)")




def _served_limits() -> Limits:
    """The request limits published with the model in the local store (the defaults when it predates them)."""
    from creditrisk.artefacts.bundle import Bundle

    served = Bundle.read(Path(_stored_model().path)).served
    return Limits(served.max_body_bytes, served.max_header_bytes)


def _routes() -> list[str]:
    return [api.route for api in CreditRisk.apis.values()]


def _refuse_unknown_fields(service: Any) -> None:
    """BentoML's request models ignore unknown top-level fields; a misspelt field must be refused (400), as at
    every other level, and a refused value is never copied into the error message."""
    from pydantic import ConfigDict

    for api in service.apis.values():
        spec = api.input_spec
        config = ConfigDict(**spec.model_config, extra="forbid", hide_input_in_errors=True)
        api.input_spec = type(spec.__name__, (spec,), {"model_config": config, "__module__": spec.__module__})


_refuse_unknown_fields(CreditRisk)
CreditRisk.mount_asgi_app(metrics_app(), path="/")  # only /metrics: BentoML's own is off with its metrics
CreditRisk.add_asgi_middleware(RequestMetrics, routes=_routes)
CreditRisk.add_asgi_middleware(RequestGuard, limits=_served_limits)
