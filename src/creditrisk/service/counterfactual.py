"""What would change the decision: the smallest change of the loan terms that turns a refusal or a review into
an acceptance, or an honest "no change of the loan terms alone is enough".

Only what the client can act on is searched, each lever within the product's plausible range:
- ``amount``: borrow less for a cheaper purchase (amount, annuity and goods price scaled together: same term),
  down to ``min_amount_share`` of the requested amount;
- ``term``: repay over a longer term (a lower annuity for the same amount), up to the longest term of the
  production clients' loans (their ``max_term_quantile``);
- ``down_payment``: pay part of the goods price (the credit smaller by exactly the down payment, the annuity in
  proportion: the same term), up to ``max_down_payment_share`` of the price.
A proposal must clear the acceptance limit (threshold minus the review band) by ``proposal_margin``: a change that
lands on the limit is not proposed.
Every candidate is scored by the same feature builder and model as /score (``Scorer.simulate_many``), so a
proposal sent back to /score as raw records gives the decision it claims (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.reasons import ReasonCatalogue, typeset_fr
from creditrisk.service.scorer import Scorer

STEPS = 16  # candidates per lever, from the smallest change to the range's limit


@dataclass(frozen=True)
class Ranges:
    min_amount_share: float = 0.3
    max_down_payment_share: float = 0.5
    max_term: float = 40.0  # credit / annuity: the longest term proposed
    margin: float = 0.0  # a proposal's PD at most (threshold - review band) - margin


@dataclass(frozen=True)
class Candidate:
    lever: str
    size: float  # relative size of the change (share of the amount, of the annuity, of the price)
    changes: dict[str, float]


def ranges_for(scorer: Scorer) -> Ranges:
    """The plausible ranges of the served model's settings; the longest term from the production loans."""
    served = scorer.predictor.bundle.served
    terms = (scorer.applications["AMT_CREDIT"] / scorer.applications["AMT_ANNUITY"]).drop_nulls().to_numpy()
    return Ranges(served.min_amount_share, served.max_down_payment_share,
                  float(np.quantile(terms, served.max_term_quantile)), served.proposal_margin)


def candidates(application: dict, ranges: Ranges) -> list[Candidate]:
    """Every change searched for one application, each lever from its smallest change to its limit."""
    credit, annuity, goods = (application.get(k) for k in ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"))
    out: list[Candidate] = []
    if not credit or not annuity:
        return out
    for share in np.linspace(0.95, ranges.min_amount_share, STEPS):
        changes = {"AMT_CREDIT": _round(credit * share, 1000), "AMT_ANNUITY": _round(annuity * share, 10)}
        if goods:
            changes["AMT_GOODS_PRICE"] = _round(goods * share, 1000)
        out.append(Candidate("amount", 1 - share, changes))
    shortest_annuity = credit / ranges.max_term
    if shortest_annuity < annuity:
        for cut in np.linspace(0.95, shortest_annuity / annuity, STEPS):
            out.append(Candidate("term", 1 - cut, {"AMT_ANNUITY": _round(annuity * cut, 10)}))
    if goods:  # the client pays `down` of the price: the credit is smaller by exactly that, the term the same
        for share in np.linspace(0.05, ranges.max_down_payment_share, STEPS):
            down = _round(share * goods, 500)
            if credit - down >= 1000:
                new_credit = float(credit - down)
                out.append(Candidate("down_payment", down / goods, {
                    "AMT_CREDIT": new_credit, "AMT_ANNUITY": _round(annuity * new_credit / credit, 10)}))
    return out


def _round(value: float, step: float) -> float:
    """A figure a person can quote (down to the step), never below one step."""
    return float(max(step, np.floor(value / step) * step))


def what_would_change(scorer: Scorer, client_id: int, ranges: Ranges, catalogue: ReasonCatalogue,
                      language: str = "fr") -> dict:
    """The smallest change of each lever that gives "accept", smallest first; or why none is enough."""
    scored = scorer.score_ids([client_id])
    (current,) = scorer.as_results(scored)
    answer = {**current, "proposals": [], "message": None}
    if current["decision"] == "accept":
        answer["message"] = _say("already", language)
        return answer
    application = scorer.application(client_id)
    searched = candidates(application, ranges)
    scores = scorer.simulate_many(client_id, [c.changes for c in searched]) if searched else None
    best: dict[str, tuple[Candidate, float]] = {}
    limit = scorer.threshold - scorer.review_band - ranges.margin  # clear of the limit, not on it
    for i, candidate in enumerate(searched):
        if scores.decision[i] == "accept" and scores.pd[i] <= limit and candidate.lever not in best:  # small first
            best[candidate.lever] = (candidate, float(scores.pd[i]))
    for candidate, pd_ in sorted(best.values(), key=lambda item: item[0].size):
        answer["proposals"].append({"lever": candidate.lever, "changes": candidate.changes,
                                    "probability_of_default": pd_, "decision": "accept",
                                    "sentence": _sentence(candidate, application, catalogue, language)})
    if not answer["proposals"]:
        (explained,) = scorer.explain(scored, language=language)
        factors = [r["label"][0].lower() + r["label"][1:] for r in explained["reasons"]]  # inside a sentence
        answer["main_factors"] = factors
        answer["message"] = _say("none", language).format(factors=", ".join(factors))
    return answer


def _sentence(candidate: Candidate, application: dict, catalogue: ReasonCatalogue, language: str) -> str:
    def money(value: float) -> str:
        return catalogue.format(value, "amount", language)

    changes = candidate.changes
    if candidate.lever == "amount":
        return _say("amount", language).format(new=money(changes["AMT_CREDIT"]), old=money(application["AMT_CREDIT"]))
    if candidate.lever == "term":
        return _say("term", language).format(new=money(changes["AMT_ANNUITY"]), old=money(application["AMT_ANNUITY"]))
    return _say("down_payment", language).format(
        down=money(application["AMT_CREDIT"] - changes["AMT_CREDIT"]), price=money(application["AMT_GOODS_PRICE"]),
        new=money(changes["AMT_CREDIT"]), old=money(application["AMT_CREDIT"]))


def _say(key: str, language: str) -> str:
    text = _TEXT[key][language]
    return typeset_fr(text) if language == "fr" else text


_TEXT = {
    "amount": {"fr": "Emprunter {new} au lieu de {old}, pour un achat moins cher et la même durée.",
               "en": "Borrow {new} instead of {old}, for a cheaper purchase over the same term."},
    "term": {"fr": "Rembourser sur une durée plus longue : une annuité de {new} au lieu de {old}, pour le même "
                   "montant.",
             "en": "Repay over a longer term: an annuity of {new} instead of {old}, for the same amount."},
    "down_payment": {"fr": "Verser un apport de {down} sur le prix du bien ({price}), et emprunter {new} au lieu de "
                           "{old}.",
                     "en": "Pay {down} of the price ({price}) yourself and borrow {new} instead of {old}."},
    "already": {"fr": "La demande est déjà accordée : rien n'est à changer.",
                "en": "The application is already accepted: nothing needs to change."},
    "none": {"fr": "Aucune modification des seules conditions du prêt (montant, durée, apport) ne suffit à faire "
                   "accorder la demande ; les principaux facteurs sont : {factors}.",
             "en": "No change of the loan terms alone (amount, term, down payment) is enough for the application "
                   "to be accepted; the main factors are: {factors}."},
}
