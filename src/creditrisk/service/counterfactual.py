"""What would change the decision: the smallest change of the loan terms that turns a refusal or a review into
an acceptance, or an honest "no change of the loan terms alone is enough"; and the adviser's what-if on the same
loan terms.

**One reading of the loan terms** (README, "Loan terms"): ``AMT_ANNUITY`` is the loan's monthly
instalment, so the term in months is the credit divided by the instalment (interest aside), and a loan the adviser
negotiates is an amount, a down payment and a term (``LoanTerms``): the credit is the amount less the down payment,
repaid in equal monthly instalments; a smaller amount is a cheaper purchase (the goods price in proportion), a down
payment leaves the price as it is.

Only what the client can act on is searched, each lever within the product's plausible range:
- ``amount``: borrow less for a cheaper purchase at the same term, down to ``min_amount_share`` of the amount;
- ``term``: repay in more months (a lower instalment for the same amount), up to the longest term of the
  production clients' loans (their ``max_term_quantile``);
- ``down_payment``: pay part of the goods price (the credit smaller by exactly the down payment, the same term),
  up to ``max_down_payment_share`` of the price.
A proposal must clear the acceptance limit (threshold minus the review band) by ``proposal_margin``: a change that
lands on the limit is not proposed.
Every candidate is scored by the same feature builder and model as /score (``Scorer.simulate_many``), so a
proposal sent back to /score as raw records gives the decision it claims (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.errors import InvalidRequest
from creditrisk.reasons.catalogue import ReasonCatalogue
from creditrisk.reasons.units import typeset_fr
from creditrisk.service.scorer import Scorer

STEPS = 16  # candidates per lever, from the smallest change to the range's limit


@dataclass(frozen=True)
class Ranges:
    min_amount_share: float = 0.3
    max_down_payment_share: float = 0.5
    max_term: float = 40.0  # credit / annuity: the longest term proposed
    margin: float = 0.0  # a proposal's PD at most (threshold - review band) - margin


@dataclass(frozen=True)
class LoanTerms:
    """A loan as an adviser negotiates it: the amount of the purchase financed, the part the client pays
    (down payment) and the term in months; the credit is the rest, repaid in equal monthly instalments."""

    amount: float
    months: float
    down_payment: float = 0.0

    @property
    def credit(self) -> float:
        return self.amount - self.down_payment

    @property
    def instalment(self) -> float:
        return self.credit / self.months


def current_terms(application: dict) -> LoanTerms | None:
    """The terms of the application as requested (no down payment); None without a credit or an instalment."""
    credit, annuity = application.get("AMT_CREDIT"), application.get("AMT_ANNUITY")
    if not credit or not annuity:
        return None
    return LoanTerms(float(credit), float(credit) / float(annuity))


def application_changes(application: dict, terms: LoanTerms) -> dict[str, float]:
    """The application fields of these terms: the credit, the monthly instalment (to the cent) and, when the
    amount changes, the goods price in proportion (a cheaper purchase; a down payment leaves the price as it is)."""
    requested = float(application["AMT_CREDIT"])
    changes = {"AMT_CREDIT": float(terms.credit), "AMT_ANNUITY": round(terms.instalment, 2)}
    goods = application.get("AMT_GOODS_PRICE")
    if goods and terms.amount != requested:
        changes["AMT_GOODS_PRICE"] = round(float(goods) * terms.amount / requested, 2)
    return changes


def terms_shown(terms: LoanTerms) -> dict[str, float]:
    """The terms as the dashboard and the letter show them."""
    return {"amount": terms.amount, "down_payment": terms.down_payment, "credit": terms.credit,
            "months": terms.months, "instalment": round(terms.instalment, 2)}


def check_terms(terms: LoanTerms, shortest: float, longest: float) -> None:
    """Refuse terms no loan can have, naming the field and the range expected (``shortest``-``longest`` months:
    the plausible terms the model was published with)."""
    problems = []
    if terms.amount <= 0:
        problems.append(f"amount: {terms.amount:g}: expected an amount above 0")
    if terms.down_payment < 0 or terms.down_payment >= terms.amount:
        problems.append(f"down_payment: {terms.down_payment:g}: expected from 0 up to less than the amount "
                        f"{terms.amount:g}")
    if not shortest <= terms.months <= longest:
        problems.append(f"months: {terms.months:g}: expected a term from {shortest:.0f} to {longest:.0f} months")
    if problems:
        raise InvalidRequest("; ".join(problems))


@dataclass(frozen=True)
class Candidate:
    lever: str
    size: float  # relative size of the change (share of the amount, of the term, of the price)
    terms: LoanTerms
    changes: dict[str, float]


def ranges_for(scorer: Scorer) -> Ranges:
    """The plausible ranges of the served model's settings; the longest term from the production loans."""
    served = scorer.predictor.bundle.served
    terms = (scorer.applications["AMT_CREDIT"] / scorer.applications["AMT_ANNUITY"]).drop_nulls().to_numpy()
    return Ranges(served.min_amount_share, served.max_down_payment_share,
                  float(np.quantile(terms, served.max_term_quantile)), served.proposal_margin)


def candidates(application: dict, ranges: Ranges) -> list[Candidate]:
    """Every change searched for one application, each lever from its smallest change to its limit."""
    now = current_terms(application)
    if now is None:
        return []
    out: list[Candidate] = []

    def add(lever: str, size: float, terms: LoanTerms) -> None:
        out.append(Candidate(lever, size, terms, application_changes(application, terms)))

    for share in np.linspace(0.95, ranges.min_amount_share, STEPS):
        amount = _round(now.amount * share, 1000)
        add("amount", 1 - amount / now.amount, LoanTerms(amount, now.months))
    longer = np.arange(round(now.months) + 1, np.floor(ranges.max_term) + 1)  # whole months, up to the limit
    for months in longer[np.unique(np.linspace(0, len(longer) - 1, STEPS).round().astype(int))] if longer.size else []:
        add("term", months / now.months - 1, LoanTerms(now.amount, float(months)))
    goods = application.get("AMT_GOODS_PRICE")
    if goods:  # the client pays `down` of the price: the credit is smaller by exactly that, the term the same
        for share in np.linspace(0.05, ranges.max_down_payment_share, STEPS):
            down = _round(share * goods, 500)
            if now.amount - down >= 1000:
                add("down_payment", down / goods, LoanTerms(now.amount, now.months, down))
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
                                    "terms": terms_shown(candidate.terms),
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

    now, terms = current_terms(application), candidate.terms
    months = f"{terms.months:.0f}"
    if candidate.lever == "amount":
        return _say("amount", language).format(new=money(terms.credit), old=money(now.credit), months=months,
                                               instalment=money(terms.instalment))
    if candidate.lever == "term":
        return _say("term", language).format(months=months, old_months=f"{now.months:.0f}",
                                             new=money(terms.instalment), old=money(now.instalment))
    return _say("down_payment", language).format(
        down=money(terms.down_payment), price=money(application["AMT_GOODS_PRICE"]), new=money(terms.credit),
        old=money(now.credit), instalment=money(terms.instalment))


def _say(key: str, language: str) -> str:
    text = _TEXT[key][language]
    return typeset_fr(text) if language == "fr" else text


_TEXT = {
    "amount": {"fr": "Emprunter {new} au lieu de {old}, pour un achat moins cher, sur la même durée (environ "
                     "{months} mois) : une mensualité de {instalment}.",
               "en": "Borrow {new} instead of {old}, for a cheaper purchase over the same term (about {months} "
                     "months): a monthly instalment of {instalment}."},
    "term": {"fr": "Rembourser en {months} mois au lieu de {old_months} environ : une mensualité de {new} au lieu de "
                   "{old}, pour le même montant.",
             "en": "Repay in {months} months instead of about {old_months}: a monthly instalment of {new} instead of "
                   "{old}, for the same amount."},
    "down_payment": {"fr": "Verser un apport de {down} sur le prix du bien ({price}), et emprunter {new} au lieu de "
                           "{old} : une mensualité de {instalment} sur la même durée.",
                     "en": "Pay {down} of the price ({price}) yourself and borrow {new} instead of {old}: a monthly "
                           "instalment of {instalment} over the same term."},
    "already": {"fr": "La demande est déjà accordée : rien n'est à changer.",
                "en": "The application is already accepted: nothing needs to change."},
    "none": {"fr": "Aucune modification des seules conditions du prêt (montant, durée, apport) ne suffit à faire "
                   "accorder la demande ; les principaux facteurs sont : {factors}.",
             "en": "No change of the loan terms alone (amount, term, down payment) is enough for the application "
                   "to be accepted; the main factors are: {factors}."},
}
