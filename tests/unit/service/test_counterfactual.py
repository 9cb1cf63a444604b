"""What would change the decision: the levers searched, and every proposal checked against /score."""

import polars as pl
import pytest

from creditrisk.data import schema
from creditrisk.errors import InvalidRequest
from creditrisk.features.builder import client_rows
from creditrisk.reasons.catalogue import load_catalogue
from creditrisk.service.counterfactual import (
    Candidate,
    LoanTerms,
    Ranges,
    _sentence,
    application_changes,
    candidates,
    check_terms,
    current_terms,
    what_would_change,
)


def test_the_levers_stay_within_their_plausible_ranges():
    """Credit 200,000 repaid by monthly instalments of 10,000: a 20-month term, for goods of 180,000."""
    application = {"AMT_CREDIT": 200_000.0, "AMT_ANNUITY": 10_000.0, "AMT_GOODS_PRICE": 180_000.0}
    found = candidates(application, Ranges(min_amount_share=0.5, max_down_payment_share=0.2, max_term=25.0))
    amount = [c for c in found if c.lever == "amount"]  # a cheaper purchase over the same 20 months
    assert amount[0].changes == {"AMT_CREDIT": 190_000.0, "AMT_ANNUITY": 9_500.0, "AMT_GOODS_PRICE": 171_000.0}
    assert amount[-1].changes == {"AMT_CREDIT": 100_000.0, "AMT_ANNUITY": 5_000.0, "AMT_GOODS_PRICE": 90_000.0}
    term = [c for c in found if c.lever == "term"]  # whole months from 21 to 25, the same credit and price
    assert [c.terms.months for c in term] == [21.0, 22.0, 23.0, 24.0, 25.0]
    assert term[-1].changes == {"AMT_CREDIT": 200_000.0, "AMT_ANNUITY": 8_000.0}  # 200,000 / 25
    down = [c for c in found if c.lever == "down_payment"]
    assert down[-1].changes == {"AMT_CREDIT": 164_000.0, "AMT_ANNUITY": 8_200.0}  # 20 % of 180,000 paid; / 20
    for lever in (amount, term, down):
        sizes = [c.size for c in lever]
        assert sizes == sorted(sizes) and sizes[0] > 0  # from the smallest change to the largest
    no_goods = candidates({"AMT_CREDIT": 200_000.0, "AMT_ANNUITY": 10_000.0, "AMT_GOODS_PRICE": None},
                          Ranges(max_term=25.0))
    assert {c.lever for c in no_goods} == {"amount", "term"}  # no price: no down payment
    assert not [c for c in candidates(application, Ranges(max_term=20.9)) if c.lever == "term"]  # already longest


def test_a_down_payment_lowers_the_credit_by_exactly_itself_worked_by_hand():
    """Credit 824,886 repaid by 40,000 a month (20.62 months) for goods of 787,500: 5 % of the price is 39,375,
    quoted down to 39,000; the credit becomes 824,886 - 39,000 = 785,886 over the same 20.62 months, i.e. a monthly
    instalment of 785,886 x 40,000 / 824,886 = 38,108.83; the price stays 787,500."""
    application = {"AMT_CREDIT": 824_886.0, "AMT_ANNUITY": 40_000.0, "AMT_GOODS_PRICE": 787_500.0}
    first = next(c for c in candidates(application, Ranges(max_term=40.0)) if c.lever == "down_payment")
    assert first.changes == {"AMT_CREDIT": 785_886.0, "AMT_ANNUITY": 38_108.83}
    sentence = _sentence(first, application, load_catalogue(), "fr")
    assert sentence == ("Verser un apport de 39\u202f000\u00a0€ sur le prix du bien (787\u202f500\u00a0€), et "
                        "emprunter 785\u202f886\u00a0€ au lieu de 824\u202f886\u00a0€\u00a0: une mensualité de "
                        "38\u202f109\u00a0€ sur la même durée.")
    assert isinstance(first, Candidate) and first.size == pytest.approx(39_000 / 787_500)
    term = next(c for c in candidates(application, Ranges(max_term=40.0)) if c.lever == "term")
    assert term.changes == {"AMT_CREDIT": 824_886.0, "AMT_ANNUITY": 37_494.82}  # 824,886 / 22: 21 is "as now"
    assert _sentence(term, application, load_catalogue(), "en") == (
        "Repay in 22 months instead of about 21: a monthly instalment of 37,495\u00a0€ instead of 40,000\u00a0€, "
        "for the same amount.")


def test_negotiated_terms_worked_by_hand():
    """Amount 300,000 with 50,000 down over 25 months, for a request of 400,000 at 16,000 a month on goods of
    360,000: credit 250,000, instalment 10,000, goods 360,000 x 300,000 / 400,000 = 270,000. A down payment alone
    leaves the price as it is."""
    application = {"AMT_CREDIT": 400_000.0, "AMT_ANNUITY": 16_000.0, "AMT_GOODS_PRICE": 360_000.0}
    assert current_terms(application) == LoanTerms(400_000.0, 25.0, 0.0)
    assert application_changes(application, LoanTerms(300_000.0, 25.0, 50_000.0)) == {
        "AMT_CREDIT": 250_000.0, "AMT_ANNUITY": 10_000.0, "AMT_GOODS_PRICE": 270_000.0}
    assert application_changes(application, LoanTerms(400_000.0, 25.0, 40_000.0)) == {
        "AMT_CREDIT": 360_000.0, "AMT_ANNUITY": 14_400.0}
    with pytest.raises(InvalidRequest, match=r"down_payment: 400000: expected from 0 up to less than the amount"):
        check_terms(LoanTerms(400_000.0, 25.0, 400_000.0), 6, 60)
    with pytest.raises(InvalidRequest, match=r"months: 61: expected a term from 6 to 60 months"):
        check_terms(LoanTerms(400_000.0, 61.0), 6, 60)


@pytest.fixture(scope="module")
def tables(interim) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(interim / f"{name}.parquet") for name in schema.ALL_TABLES}


def test_every_proposal_gives_the_decision_it_claims_through_score(scorer, serving_data, tables):
    """The proposal's changes applied to the client's raw rows and scored like /score give "accept"."""
    population = serving_data.population
    clients = [int(c) for c in population.index[population["decision"] != "accept"][:40]]
    ranges = Ranges(max_term=40.0, margin=0.01)
    limit = scorer.threshold - scorer.review_band - 0.01
    proposals = 0
    for client in clients:
        answer = what_would_change(scorer, client, ranges, load_catalogue(), "en")
        assert answer["decision"] in ("refuse", "review")
        if not answer["proposals"]:
            assert answer["message"].startswith("No change of the loan terms alone")
            continue
        rows = client_rows({k: v for k, v in tables.items() if k != "application_train"}, client)
        for proposal in answer["proposals"]:
            proposals += 1
            changed = dict(rows, application=rows["application"].with_columns(
                [pl.lit(v, dtype=pl.Float64).alias(k) for k, v in proposal["changes"].items()]))
            scored = scorer.score_records(changed)
            assert scored.decision[0] == "accept" and scored.pd[0] == pytest.approx(proposal["probability_of_default"],
                                                                                    abs=1e-12)
            assert scored.pd[0] <= limit  # clear of the acceptance limit by the margin
    assert proposals > 0


def test_an_accepted_client_needs_no_change(scorer, serving_data):
    client = int(serving_data.population.index[serving_data.population["decision"] == "accept"][0])
    answer = what_would_change(scorer, client, Ranges(), load_catalogue(), "fr")
    assert answer["proposals"] == [] and "déjà accordée" in answer["message"]
