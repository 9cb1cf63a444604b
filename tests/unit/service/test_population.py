"""The dashboard's portfolio queries: browsing filters, distributions and peers, the client's file, the model page."""

import numpy as np
import pandas as pd
import pytest

from creditrisk.errors import InvalidRequest
from tests.service_fixtures import REVIEW_BAND, THRESHOLD


def test_browse_filters_count_what_they_should(portfolio, batch):
    pds = np.array(list(batch.values()))
    refused = int(np.sum(pds > THRESHOLD + REVIEW_BAND))
    assert portfolio.browse(decision="refuse", limit=5)["total"] == refused
    page = portfolio.browse(pd_range=(0.2, None), limit=3, offset=1)
    assert page["total"] == int(np.sum(pds >= 0.2)) and len(page["clients"]) == min(3, page["total"] - 1)
    assert all(c["probability_of_default"] >= 0.2 for c in page["clients"])
    cash = portfolio.browse(contract_type="Cash loans", age=(30, 40), limit=500)
    assert all(c["contract_type"] == "Cash loans" and 30 <= c["age_years"] <= 40 for c in cash["clients"])


def test_distribution_covers_every_client_and_the_peers(portfolio, batch):
    client = list(batch)[0]
    dist = portfolio.distribution("EXT_SOURCE_MEAN", client, bins=10, neighbours=30)
    assert len(dist["edges"]) == 11 and not dist["categorical"]
    assert sum(dist["counts"]["all"]) + dist["missing"]["all"] == len(batch)
    assert sum(sum(dist["counts"][d]) + dist["missing"][d] for d in ("accept", "review", "refuse")) == len(batch)
    assert sum(dist["counts"]["similar"]) + dist["missing"]["similar"] == 30
    values = portfolio.production["EXT_SOURCE_MEAN"].dropna().to_numpy()
    assert dist["client_percentile"] == pytest.approx(100 * np.mean(values < dist["client_value"]))
    from creditrisk.reasons.catalogue import load_catalogue

    reasons = load_catalogue()  # peers are close on fields people can name, none of them sensitive
    assert dist["similar_on"] and all(f in reasons.fields and not reasons.concept_of(f).sensitive
                                      for f in dist["similar_on"])
    assert not {"DAYS_BIRTH", "AGE_YEARS", "CNT_CHILDREN", "CODE_GENDER"} & set(dist["similar_on"])
    categorical = portfolio.distribution("NAME_CONTRACT_TYPE", None)
    assert sum(categorical["counts"]["all"].values()) == len(batch)


def test_client_info_and_model_info(portfolio, batch, interim):
    client = list(batch)[1]
    info = portfolio.client_info(client, language="fr")
    assert info["probability_of_default"] == batch[client]
    fields = {d["field"]: d for d in info["descriptive"]}
    assert fields["AMT_CREDIT"]["label"] and "SK_ID_CURR" not in fields
    raw = pd.read_parquet(interim / "application_test.parquet").set_index("SK_ID_CURR").loc[client]
    assert info["loan"] == {k: float(raw[k]) for k in ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE")}  # as filed
    model = portfolio.model_info()
    assert model["threshold"] == THRESHOLD and model["model_version"] == "7" and model["drift"]["share_drifted"]
    top = model["global_importance"][0]
    assert top["label_fr"] == portfolio.catalogue[top["feature"]]["description_fr"]


def test_unknown_feature_is_the_requests_mistake(portfolio):
    with pytest.raises(InvalidRequest, match="feature: unknown feature 'NOT_A_FEATURE'"):
        portfolio.distribution("NOT_A_FEATURE", None)
    with pytest.raises(InvalidRequest, match="'NAME_CONTRACT_TYPE' is not a numeric model feature"):
        portfolio.scatter("NAME_CONTRACT_TYPE", "AMT_CREDIT", [])
