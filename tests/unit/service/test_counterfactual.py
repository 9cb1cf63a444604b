"""What would change the decision: the levers searched, and every proposal checked against /score."""

import polars as pl
import pytest

from creditrisk import schema
from creditrisk.features.builder import client_rows
from creditrisk.reasons import load_catalogue
from creditrisk.service.counterfactual import Candidate, Ranges, _sentence, candidates, what_would_change


def test_the_levers_stay_within_their_plausible_ranges():
    application = {"AMT_CREDIT": 200_000.0, "AMT_ANNUITY": 10_000.0, "AMT_GOODS_PRICE": 180_000.0}
    found = candidates(application, Ranges(min_amount_share=0.5, max_down_payment_share=0.2, max_term=25.0))
    amount = [c for c in found if c.lever == "amount"]
    assert amount[0].changes == {"AMT_CREDIT": 190_000.0, "AMT_ANNUITY": 9_500.0, "AMT_GOODS_PRICE": 171_000.0}
    assert amount[-1].changes == {"AMT_CREDIT": 100_000.0, "AMT_ANNUITY": 5_000.0, "AMT_GOODS_PRICE": 90_000.0}
    term = [c for c in found if c.lever == "term"]
    assert term[-1].changes == {"AMT_ANNUITY": 8_000.0}  # 200,000 / 25: the longest term allowed
    assert all(set(c.changes) == {"AMT_ANNUITY"} for c in term)
    down = [c for c in found if c.lever == "down_payment"]
    assert down[-1].changes == {"AMT_CREDIT": 164_000.0, "AMT_ANNUITY": 8_200.0}  # 20 % of 180,000 paid
    for lever in (amount, term, down):
        sizes = [c.size for c in lever]
        assert sizes == sorted(sizes) and sizes[0] > 0  # from the smallest change to the largest
    no_goods = candidates({"AMT_CREDIT": 200_000.0, "AMT_ANNUITY": 10_000.0, "AMT_GOODS_PRICE": None},
                          Ranges(max_term=25.0))
    assert {c.lever for c in no_goods} == {"amount", "term"}  # no price: no down payment
    assert not [c for c in candidates(application, Ranges(max_term=15.0)) if c.lever == "term"]  # already longer


def test_a_down_payment_lowers_the_credit_by_exactly_itself_worked_by_hand():
    """Credit 824,886 for goods of 787,500: 5 % of the price is 39,375, quoted down to 39,000; the credit becomes
    824,886 - 39,000 = 785,886 and the annuity 40,000 x 785,886 / 824,886 = 38,108.8, quoted 38,100."""
    application = {"AMT_CREDIT": 824_886.0, "AMT_ANNUITY": 40_000.0, "AMT_GOODS_PRICE": 787_500.0}
    first = next(c for c in candidates(application, Ranges(max_term=40.0)) if c.lever == "down_payment")
    assert first.changes == {"AMT_CREDIT": 785_886.0, "AMT_ANNUITY": 38_100.0}
    sentence = _sentence(first, application, load_catalogue(), "fr")
    assert sentence == ("Verser un apport de 39\u202f000\u00a0€ sur le prix du bien (787\u202f500\u00a0€), et "
                        "emprunter 785\u202f886\u00a0€ au lieu de 824\u202f886\u00a0€.")
    assert isinstance(first, Candidate) and first.size == pytest.approx(39_000 / 787_500)


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
