"""What would change the decision: the levers searched, and every proposal checked against /score."""

import polars as pl
import pytest

from creditrisk import schema
from creditrisk.features.builder import client_rows
from creditrisk.reasons import load_catalogue
from creditrisk.service.counterfactual import Ranges, candidates, what_would_change


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


@pytest.fixture(scope="module")
def tables(interim) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(interim / f"{name}.parquet") for name in schema.ALL_TABLES}


def test_every_proposal_gives_the_decision_it_claims_through_score(scorer, serving_data, tables):
    """The proposal's changes applied to the client's raw rows and scored like /score give "accept"."""
    population = serving_data.population
    clients = [int(c) for c in population.index[population["decision"] != "accept"][:40]]
    ranges = Ranges(max_term=40.0)
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
    assert proposals > 0


def test_an_accepted_client_needs_no_change(scorer, serving_data):
    client = int(serving_data.population.index[serving_data.population["decision"] == "accept"][0])
    answer = what_would_change(scorer, client, Ranges(), load_catalogue(), "fr")
    assert answer["proposals"] == [] and "déjà accordée" in answer["message"]
