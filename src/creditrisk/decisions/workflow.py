"""The review workflow on the decisions of record: a relationship manager flags an automatic decision, a person
decides with a reason code and a justification, and a favourable override (accepting a client on the model's
refusal side) waits for an approver other than its author (four eyes). Each step is a new record acting on the
latest record of its case (``parent``); the decision in force is the case's latest word (``in_force``)."""

from __future__ import annotations

from datetime import UTC, datetime

from creditrisk.decisions.tables import Decision, as_dict, now
from creditrisk.errors import InvalidRequest, NotAllowed, NotAuthenticated

REASON_CODES = {  # code -> (English, French): the fixed list a person chooses from
    "income_verified": ("Income verified with documents", "Revenus vérifiés sur pièces"),
    "guarantor_or_collateral": ("Guarantor or collateral provided", "Garant ou garantie apportés"),
    "employment_documented": ("Stable employment documented", "Emploi stable justifié"),
    "incident_explained": ("Past incident explained and settled", "Incident passé expliqué et régularisé"),
    "data_corrected": ("Data error corrected", "Erreur de données corrigée"),
    "affordability": ("Repayments not affordable", "Mensualités trop lourdes pour les revenus"),
    "recent_incidents": ("Recent payment incidents", "Incidents de paiement récents"),
    "incomplete_file": ("File incomplete", "Dossier incomplet"),
    "fraud_suspicion": ("Suspicion of fraud", "Suspicion de fraude"),
    "other": ("Other (see justification)", "Autre (voir la justification)"),
}
DECISIONS = ("accept", "refuse")
MIN_JUSTIFICATION = 10  # characters: a justification says something


class ReviewWorkflow:
    """The people's steps of ``DecisionStore`` (flag, review, approve) and the open cases; the store provides the
    transactions and the chained appends (``_writing``, ``_append``, ``transaction``)."""

    def _acted_on(self, session, seq: int, statuses: tuple[str, ...], action: str) -> Decision:
        """The record ``seq`` a person acts on: it must exist, be the latest of its case, and be in ``statuses``."""
        from sqlalchemy import select

        record = session.get(Decision, seq)
        if record is None:
            raise InvalidRequest(f"decision {seq} does not exist")
        child = session.execute(select(Decision.seq).where(_acts_on(Decision, seq)).limit(1)).first()
        if child is not None:
            raise InvalidRequest(f"decision {seq} was already acted on (by decision {child[0]}): act on the latest "
                                 "record of the case")
        if record.status not in statuses:
            raise InvalidRequest(f"decision {seq} is {record.status}: {action} needs a case that is "
                                 f"{' or '.join(statuses)}")
        return record

    @staticmethod
    def _copied(record: Decision) -> dict:
        """What a person's record repeats from the case it acts on (for reading; the model's part is fixed)."""
        return {k: getattr(record, k) for k in ("client_id", "model_version", "model_hash", "feature_version",
                                                "threshold", "review_band", "pd", "auto_decision", "application",
                                                "channel")}

    def flag(self, seq: int, user, justification: str) -> int:
        """An RM sends an automatic decision to review."""
        require_role(user, ("relationship_manager", "approver"), "flag a decision for review")
        _justified(justification)
        with self._writing() as (session, appended):
            record = self._acted_on(session, seq, ("final",), "flagging")
            if record.kind != "model":
                raise InvalidRequest(f"decision {seq} is a person's decision ({record.kind}): correct it with a "
                                     "review instead of a flag")
            row = self._copied(record) | {"recorded_at": now(), "kind": "flag", "parent": seq,
                                          "status": "pending_review", "actor": user.name, "actor_role": user.role,
                                          "requested_by": f"user {user.name}", "justification": justification}
            appended.extend(self._append(session, [row]))
            return appended[0].seq

    def review(self, seq: int, user, decision: str, reason_code: str, justification: str) -> dict:
        """A person's decision on a case in review (or a correction of a person's earlier decision). Accepting a
        client on the model's refusal side waits for an approver."""
        require_role(user, ("relationship_manager", "approver"), "decide on a case")
        if decision not in DECISIONS:
            raise InvalidRequest(f"decision {decision!r}: expected one of {DECISIONS}")
        if reason_code not in REASON_CODES:
            raise InvalidRequest(f"reason_code {reason_code!r}: expected one of {sorted(REASON_CODES)}")
        _justified(justification)
        with self._writing() as (session, appended):
            record = self._acted_on(session, seq, ("pending_review", "final"), "a review")
            if record.status == "final" and record.kind == "model":
                raise InvalidRequest(f"decision {seq} is the model's final decision: flag it for review first")
            favourable = decision == "accept" and record.pd >= record.threshold
            row = self._copied(record) | {
                "recorded_at": now(), "kind": "review", "parent": seq, "actor": user.name, "actor_role": user.role,
                "requested_by": f"user {user.name}", "final_decision": decision, "reason_code": reason_code,
                "justification": justification, "status": "pending_approval" if favourable else "final"}
            appended.extend(self._append(session, [row]))
            new = appended[0]
            return {"decision_id": new.seq, "status": new.status, "needs_approval": favourable}

    def approve(self, seq: int, user, grant: bool, justification: str) -> dict:
        """An approver's verdict on a favourable override; never on their own decision."""
        require_role(user, ("approver",), "approve an override")
        _justified(justification)
        with self._writing() as (session, appended):
            record = self._acted_on(session, seq, ("pending_approval",), "an approval")
            if record.actor == user.name:
                raise NotAllowed(f"decision {seq} is {user.name}'s own: a second person must approve it "
                                 "(four eyes)")
            row = self._copied(record) | {
                "recorded_at": now(), "kind": "approval", "parent": seq, "actor": user.name,
                "actor_role": user.role, "requested_by": f"user {user.name}",
                "final_decision": record.final_decision if grant else "refuse", "reason_code": record.reason_code,
                "justification": justification, "status": "final" if grant else "rejected"}
            appended.extend(self._append(session, [row]))
            new = appended[0]
            return {"decision_id": new.seq, "status": new.status, "final_decision": new.final_decision}

    @staticmethod
    def _cases(session, model_seqs: list[int]) -> dict[int, dict]:
        """For each model record: its case followed to the latest record, and the decision that leaves in force."""
        from sqlalchemy import select

        if not model_seqs:
            return {}
        latest = {seq: seq for seq in model_seqs}
        records = {r.seq: r for r in session.execute(select(Decision).where(Decision.seq.in_(model_seqs))).scalars()}
        frontier = dict(latest)  # case -> record whose child is looked for
        while frontier:
            children = session.execute(select(Decision).where(Decision.parent.in_(list(frontier.values())),
                                                              Decision.kind != "model")).scalars().all()
            by_parent = {c.parent: c for c in children}
            frontier = {case: by_parent[seq].seq for case, seq in frontier.items() if seq in by_parent}
            for child in children:
                records[child.seq] = child
            latest.update(frontier)
        return {case: _in_force(records[case], records[seq]) for case, seq in latest.items()}

    def open_cases(self, status: str, limit: int = 200) -> list[dict]:
        """The latest record of each client's case that waits in ``status`` (pending_review: the review queue;
        pending_approval: the approvals), oldest first, with its age in hours."""
        from sqlalchemy import exists, select
        from sqlalchemy.orm import aliased

        child = aliased(Decision)
        query = (select(Decision).where(Decision.status == status)
                 .where(~exists().where(_acts_on(child, Decision.seq))).order_by(Decision.seq))
        with self.transaction(read_only=True) as session:
            latest: dict[int, Decision] = {}
            for record in session.execute(query).scalars():
                latest[record.client_id] = record  # a client scored again: the newest case
        stamp = datetime.now(UTC)
        cases = sorted(latest.values(), key=lambda r: r.seq)[:limit]
        return [as_dict(r) | {"age_hours": (stamp - datetime.fromisoformat(r.recorded_at)).total_seconds() / 3600}
                for r in cases]


def _model_in_force(seq: int, auto_decision: str) -> dict:
    """A model record no person has acted on."""
    final = auto_decision != "review"
    return {"decision": auto_decision, "status": "final" if final else "pending_review", "by": "model",
            "actor": None, "record": seq}


def _in_force(model: Decision, latest: Decision) -> dict:
    """The decision a case leaves in force: the model's until a person's final word; a case waiting for a person
    (review, approval) is "review"."""
    if latest.kind == "model":
        return _model_in_force(model.seq, model.auto_decision)
    if latest.status in ("pending_review", "pending_approval"):
        return {"decision": "review", "status": latest.status, "by": "person", "actor": latest.actor,
                "record": latest.seq}
    return {"decision": latest.final_decision, "status": latest.status, "by": "person", "actor": latest.actor,
            "record": latest.seq}


def _acts_on(child, seq):
    """The SQL condition "``child`` is a person's record acting on record ``seq``" (a schema-0001 repeat, kind
    model, pointed to a case without acting on it)."""
    from sqlalchemy import and_

    return and_(child.parent == seq, child.kind != "model")


def require_role(user, roles: tuple[str, ...], action: str):
    """``user`` (an Actor) if their role allows ``action``; a machine client (None) must log in as a person."""
    if user is None:
        raise NotAuthenticated(f"to {action}, log in as a person (header X-User-Token; a machine API key cannot)")
    if user.role not in roles:
        raise NotAllowed(f"{user.name} is {user.role}: to {action} takes the role {' or '.join(roles)}")
    return user


def _justified(text: str) -> None:
    if not text or len(text.strip()) < MIN_JUSTIFICATION:
        raise InvalidRequest(f"justification: a sentence that says why is mandatory (at least {MIN_JUSTIFICATION} "
                             "characters)")
