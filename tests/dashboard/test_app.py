"""Dashboard flows with streamlit's AppTest against the real service in process (no model in the dashboard)."""

from __future__ import annotations

import re
import sys

import pytest

from tests.conftest import ROOT
from tests.service_fixtures import API_KEY, PASSWORD

DASHBOARD = ROOT / "dashboard"
sys.path.insert(0, str(DASHBOARD))  # the app imports its sibling modules as streamlit run does


@pytest.fixture()
def api(asgi_client):
    from api_client import ApiClient

    return ApiClient("http://testserver", API_KEY, http=asgi_client)


def _app(api, user: str | None = "rita", **state):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=60)
    at.session_state["api_client"] = api
    if user is not None:  # logged in (as a relationship manager by default)
        answer = api.with_token(None).login(user, PASSWORD)
        at.session_state["user"] = {"name": user, "role": answer["role"], "token": answer["token"]}
    else:  # a session that logged in before the service went away
        at.session_state["user"] = {"name": "rita", "role": "relationship_manager", "token": "expired"}
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.header]
    parts += [str(m.value) for m in at.metric] + [e.value for e in at.error] + [i.value for i in at.info]
    return "\n".join(parts)


def test_opens_in_french_and_asks_for_a_client(api):
    at = _app(api)
    assert not at.exception
    assert at.title[0].value.startswith("Prêt à dépenser — aide à la décision")
    assert "Saisissez l'identifiant d'un client" in _text(at)


def test_selecting_a_client_shows_decision_reasons_and_profile(api, scorer, serving_data):
    client = int(serving_data.production.index[0])
    expected = scorer.as_results(scorer.score_ids([client]))[0]
    at = _app(api)
    at.number_input(key="client_input").set_value(client)
    at.button[0].click().run()
    assert not at.exception
    text = _text(at)
    word = {"accept": "Accordé", "review": "À examiner", "refuse": "Refusé"}[expected["decision"]]
    percent = f"{100 * expected['probability_of_default']:.1f}\u00a0%".replace(".", ",")
    assert f"**{word}** : probabilité de défaut estimée à **{percent}**" in text
    metrics = [m.value for m in at.metric]
    assert word in metrics[2]
    # the master scale's grade, from the PD with the published bounds (1 %, 2 %, 4 %, 8 %, 16 %, 32 %)
    bounds = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32]
    grade = 1 + sum(expected["probability_of_default"] >= b for b in bounds)
    assert metrics[1] == f"{grade} sur 7" and expected["grade"] == grade
    heading = "Ce qui pèse contre la demande" if expected["decision"] != "accept" else "Ce qui joue en faveur"
    assert heading in text
    (explained,) = scorer.explain(scorer.score_ids([client]), language="fr")
    reasons = next(m.value for m in at.markdown if m.value.startswith("- "))
    assert reasons.count("- ") == len(explained["reasons"]) >= 1  # at most four sentences, said to the client
    assert all(r["sentence"] in reasons for r in explained["reasons"])
    assert not re.search(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", reasons)  # no raw column name
    assert "Jauge : le client est à" in text  # the gauge's text alternative
    assert "Ce client : **" in text and "plus que" in text  # position among the clients, in words
    assert "« Clients similaires » : les 50 clients les plus proches de celui-ci sur" in text
    profile = at.table[0].value  # the client's file in human units: no English category, amounts in euros
    assert not set(profile.iloc[:, 0]) & {"Cash loans", "Revolving loans"} and any("€" in v for v in profile.iloc[:, 0])


def test_english_interface(api, serving_data):
    client = int(serving_data.production.index[1])
    at = _app(api, client_id=client, language="en")
    assert not at.exception
    assert at.title[0].value == "Prêt à dépenser — credit decision support"
    assert "estimated probability of default" in _text(at)


def test_filtering_the_portfolio(api, serving_data):
    refused = int((serving_data.population["decision"] == "refuse").sum())
    at = _app(api, page="portfolio")
    at.selectbox(key="filter_decision").set_value("refuse")
    at.button[0].click().run()
    assert not at.exception
    assert f"{refused} client(s) trouvé(s)" in _text(at)
    shown = at.dataframe[0].value
    # the model refused them all; a file a person has since decided shows the decision in force, of record
    overridden = shown["Décision"] != "⛔ Refusé"
    assert (~overridden).any() and shown.loc[overridden, "Décision enregistrée"].str.startswith("n° ").all()
    assert set(shown["Type de crédit"]) <= {"prêt personnel", "crédit renouvelable"}
    assert all(v.endswith("€") for v in shown["Montant demandé"])
    marks = set(shown["Décision enregistrée"])  # each PD is a decision of record or said to be an estimate
    assert "estimation (dossier jamais ouvert)" in marks and all(m.startswith("n° ") or m.startswith("estimation")
                                                                 for m in marks)


def test_comparing_two_clients(api, serving_data):
    ids = [int(c) for c in serving_data.production.index[:2]]
    at = _app(api, page="compare")
    at.text_input(key="compare_text").set_value(f"{ids[0]}, {ids[1]}").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == [f"Client n° {ids[0]}", f"Client n° {ids[1]}"]
    assert "Nuage de 800 clients" in _text(at)


def test_what_if_negotiates_the_loan_terms_typed_the_french_way(api, scorer, serving_data):
    """Amount, down payment and term typed as a French adviser writes them; the PD shown is the service's for the
    same loan (credit = amount - down payment, instalment = credit / months), worked out here by hand."""
    from creditrisk.service.counterfactual import LoanTerms, application_changes

    client = int(serving_data.production.index[2])
    at = _app(api, client_id=client)
    assert any("SIMULATION" in w.value for w in at.warning)
    assert {i.key for i in at.text_input} >= {f"whatif_{k}_{client}" for k in ("amount", "down", "months")}
    assert not [n for n in at.number_input if n.key.startswith("whatif")]  # no raw number box, no family lever
    application = scorer.application(client)
    amount = float(application["AMT_CREDIT"])
    at.text_input(key=f"whatif_amount_{client}").set_value(f"{amount:,.0f}".replace(",", "\u00a0"))  # 415 818
    at.text_input(key=f"whatif_down_{client}").set_value("20 000,50")
    at.text_input(key=f"whatif_months_{client}").set_value("36")
    next(b for b in at.button if b.label == "Recalculer le score").click().run()
    assert not at.exception and not at.error
    expected = scorer.as_results(scorer.simulate_many(client, [application_changes(
        application, LoanTerms(amount, 36.0, 20_000.5))]))[0]
    assert f"**{100 * expected['probability_of_default']:.1f}\u00a0%".replace(".", ",") in _text(at)
    table = next(t.value for t in at.table if "Simulation" in t.value.columns)
    assert table.loc["Mensualité", "Simulation"] == (f"{(amount - 20_000.5) / 36:,.0f}".replace(",", "\u202f")
                                                     + "\u00a0€")
    assert table.loc["Durée", "Simulation"] == "36 mois"
    requested = amount / float(application["AMT_ANNUITY"])  # the file's term is credit ÷ instalment: not whole
    assert abs(requested - round(requested)) > 0.01
    assert table.loc["Durée", "Demande"] == f"environ {round(requested)} mois"


def test_an_adviser_records_the_terms_the_client_agreed_and_an_approver_cannot(api, scorer, serving_data,
                                                                              decisions_db):
    """After a simulation, a relationship manager records the terms: the page says the decision's number and
    outcome, the simulation stays shown, and the record holds the terms typed; an approver has no such button."""
    from creditrisk.service.counterfactual import LoanTerms, application_changes

    client = int(serving_data.production.index[250])  # a file no other test records
    application = scorer.application(client)
    amount = float(application["AMT_CREDIT"])
    at = _app(api, client_id=client)
    at.text_input(key=f"whatif_down_{client}").set_value("10 000")
    at.text_input(key=f"whatif_months_{client}").set_value("24")
    next(b for b in at.button if b.label == "Recalculer le score").click().run()
    record_button = next(b for b in at.button if b.label == "Enregistrer ces conditions comme demande du client")
    record_button.click().run()
    assert not at.exception and not at.error
    (message,) = [s.value for s in at.success]
    expected = scorer.as_results(scorer.simulate_many(client, [application_changes(
        application, LoanTerms(amount, 24.0, 10_000.0))]))[0]
    decision_id = int(message.split("n° ")[1].split(")")[0])
    from creditrisk.decisions.store import DecisionStore

    store = DecisionStore(decisions_db)
    record = store.get(decision_id)
    store.close()
    assert record["client_id"] == client and record["requested_by"] == "user rita"
    assert record["input"]["records"]["terms"] == {"amount": amount, "down_payment": 10_000.0,
                                                    "credit": amount - 10_000.0, "months": 24.0,
                                                    "instalment": round((amount - 10_000.0) / 24, 2)}
    assert record["pd"] == expected["probability_of_default"]
    assert f"{100 * expected['probability_of_default']:.1f}".replace(".", ",") in message
    assert any("Simulation" in t.value.columns for t in at.table)  # the simulation is still on the page
    letters = [b.proto.label for b in at.get("download_button")]  # the letter on these terms, ready at once
    assert f"Télécharger la lettre sur les conditions convenues (n° {decision_id}, en français)" in letters
    in_force = {"accept": "accordé", "refuse": "refusé", "review": "à examiner"}[expected["decision"]]
    assert any(f"(décision n° {decision_id}, en vigueur : {in_force})" in m.value for m in at.markdown)
    history = next(t.value for t in at.table if "Évalué sur" in t.value.columns)
    credit = f"{amount - 10_000:,.0f}".replace(",", "\u202f") + "\u00a0€"
    assert history.loc[decision_id, "Évalué sur"] == (f"les conditions convenues avec le client ({credit} "
                                                               "sur 24 mois)")
    approver = _app(api, user="alice", client_id=client)
    next(b for b in approver.button if b.label == "Recalculer le score").click().run()
    assert not [b for b in approver.button if b.label.startswith("Enregistrer ces conditions")]


def test_what_if_says_so_when_a_smaller_amount_gets_a_higher_pd(api, scorer, serving_data):
    """The PD shown is the model's; when a smaller amount at the same term raises it (the fixture's model has no
    constraint), a sentence says why the decision still follows it (found with the scorer: a client whose PD rises
    at a smaller amount, one whose PD falls)."""
    from creditrisk.service.counterfactual import LoanTerms, application_changes, current_terms

    found = {}
    for client in [int(c) for c in serving_data.production.index[:500]]:
        application = scorer.application(client)
        now = current_terms(application)
        amounts = [round(now.amount * share) for share in (0.9, 0.7, 0.5, 0.3)]
        pd_ = scorer.simulate_many(client, [{}] + [application_changes(application, LoanTerms(a, now.months))
                                                   for a in amounts]).pd
        for amount, after in zip(amounts, pd_[1:], strict=True):
            found.setdefault("rises" if after > pd_[0] else "falls", (client, amount))
        if len(found) == 2:
            break
    for kind, (client, amount) in found.items():
        at = _app(api, client_id=client)
        at.text_input(key=f"whatif_amount_{client}").set_value(str(amount))
        next(b for b in at.button if b.label == "Recalculer le score").click().run()
        assert not at.exception and not at.error
        assert ("pas été contraint à faire baisser le risque avec le montant" in _text(at)) == (kind == "rises")
    assert set(found) == {"rises", "falls"}


def test_what_if_refuses_a_number_it_cannot_read_and_keeps_the_page(api, serving_data):
    client = int(serving_data.production.index[2])
    at = _app(api, client_id=client)
    at.text_input(key=f"whatif_months_{client}").set_value("trois ans")
    next(b for b in at.button if b.label == "Recalculer le score").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["« trois ans » n'est pas un nombre : écrivez par exemple 415 818 ou "
                                           "415 818,50."]
    assert "Profil du client" in _text(at) or at.table  # the rest of the page is still there


def test_model_page(api):
    at = _app(api, page="model")
    assert not at.exception
    text = _text(at)
    assert "coûte 10 fois plus" in text and "Les trois thèmes les plus influents" in text
    assert "2,0 points de pourcentage" in text
    assert "1 colonne(s) sur 20 ont changé de distribution (5,0 %), par thème" in text  # drift summary
    assert "Pas de verdict" not in text and "Chiffres indicatifs" not in text
    assert [m.value for m in at.metric][2:] == ["0,800", "0,520"]  # AUC and cost on the holdout


def test_the_model_page_draws_no_drift_verdict_on_too_few_production_clients(api, monkeypatch):
    """As the drift stage writes it for 49 production clients: the differences are shown as indicative only."""
    answer = api.model()
    answer["drift"] |= {"enough_data": False, "current_rows": 49, "min_rows": 500, "n_drifted": 92,
                        "n_columns": 202, "share_drifted": 92 / 202}
    answer["holdout"].pop("business_cost_per_client")
    answer["holdout"] |= {"enough_data": False, "holdout_defaults": 47, "min_defaults": 100}  # the real sample's
    monkeypatch.setattr(api, "model", lambda: answer)
    for language, sentence in (("fr", "Pas de verdict : 49 clients en production, moins des 500 nécessaires pour "
                                      "juger une dérive. À titre indicatif, 92 colonne(s) sur 202 diffèrent (45,5 %)"),
                               ("en", "No verdict: 49 production clients, fewer than the 500 needed to judge drift. "
                                      "For information, 92 of 202 columns differ (45.5%)")):
        at = _app(api, page="model", language=language)
        assert not at.exception
        text = _text(at)
        assert sentence in text and "changé de distribution" not in text and "changed distribution" not in text
        assert [m.value for m in at.metric][3] == "—"  # no cost figure: a dash, not a truncated word
        assert {"fr": "Chiffres indicatifs : l'échantillon de test ne compte que 47 défauts, moins des 100 nécessaires",
                "en": "Indicative figures: the holdout holds only 47 defaults, fewer than the 100 needed"}[language] \
            in text


def test_api_down_gives_a_message_not_a_trace():
    from api_client import ApiClient

    at = _app(ApiClient("http://127.0.0.1:9", "key", timeout=2), user=None, page="model")
    assert not at.exception
    assert at.error and "injoignable" in at.error[0].value and "Traceback" not in at.error[0].value


def test_refused_request_and_bad_key_are_explained(api, asgi_client):
    from api_client import ApiClient

    at = _app(api, client_id=987654321)
    assert at.error and "Aucun client en production ne porte ce numéro" in at.error[0].value
    wrong = ApiClient("http://testserver", "not-the-key", http=asgi_client)
    at = _app(wrong, user=None, page="model")
    assert at.error and "clé d'API" in at.error[0].value


def test_slow_api_gives_a_message():
    import httpx

    from api_client import ApiClient

    def too_slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    slow = ApiClient("http://testserver", "key", http=httpx.Client(base_url="http://testserver",
                                                                   transport=httpx.MockTransport(too_slow)))
    at = _app(slow, user=None, page="model")
    assert not at.exception
    assert at.error and "ne répond pas assez vite" in at.error[0].value


def test_platform_host_port_urls_get_a_scheme(monkeypatch):
    from api_client import ApiClient

    monkeypatch.setenv("CREDITRISK_API_URL", "creditrisk-api:10000")
    assert ApiClient.from_env().base_url == "http://creditrisk-api:10000"


def test_a_term_is_said_in_whole_months_and_about_when_it_is_not_whole():
    from texts import term

    assert [term(m, "en") for m in (1, 1.3, 24, 16.9)] == ["1 month", "about 1 month", "24 months", "about 17 months"]
    assert [term(m, "fr") for m in (1, 24.004, 16.9)] == ["1 mois", "24 mois", "environ 17 mois"]


def test_a_waiting_time_is_said_as_a_person_says_it():
    from texts import waited

    assert [waited(h, "fr") for h in (0.02, 0.99, 1.0, 5.4, 47.4, 48.0, 80.0)] == [
        "moins d'une heure", "moins d'une heure", "1 h", "5 h", "47 h", "2 jours", "3 jours"]
    assert [waited(h, "en") for h in (0.5, 26.6, 100.0)] == ["less than an hour", "27 h", "4 days"]


def test_a_zone_name_moves_aside_when_the_client_line_would_cross_it():
    """The gauge's zone names: in the middle of the zone, unless the client's line passes within the name's width;
    then in the middle of the wider side the line leaves (values worked out by hand)."""
    from charts import _label_spot

    assert _label_spot(0.0, 0.05, 0.025, 0.01) == pytest.approx(0.0125)  # at the middle: the left side
    assert _label_spot(0.0, 0.05, 0.03, 0.01) == pytest.approx(0.015)  # right of the middle: left side
    assert _label_spot(0.0, 0.05, 0.02, 0.01) == pytest.approx(0.035)  # left of the middle: right side
    assert _label_spot(0.0, 0.05, 0.04, 0.01) == pytest.approx(0.025)  # out of reach: the middle
    assert _label_spot(0.05, 0.09, 0.07, 0.01) == pytest.approx(0.06)  # the review zone, line at its middle
    assert _label_spot(0.09, 0.3, 0.07, 0.5) == pytest.approx(0.195)  # line outside the zone: the middle


def test_opening_a_client_from_the_portfolio(api, serving_data):
    at = _app(api, page="portfolio")
    first = int(serving_data.population.index[0])
    at.selectbox(key="open_client").set_value(first)
    next(b for b in at.button if b.label == "Ouvrir").click().run()
    assert not at.exception
    assert at.session_state["client_id"] == first
    assert f"Client n° {first}" in _text(at)


def test_nobody_uses_the_dashboard_without_logging_in(api):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=60)
    at.session_state["api_client"] = api.with_token(None)
    at.run()
    assert "Identifiez-vous" in _text(at) and not at.number_input  # no client file before logging in
    at.text_input(key="login_user").set_value("rita")
    at.text_input(key="login_password").set_value("not the password")
    at.button[0].click().run()
    assert "Identifiant ou mot de passe incorrect" in _text(at) and "user" not in at.session_state
    at.text_input(key="login_password").set_value(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["user"]["role"] == "relationship_manager" and "token" in at.session_state["user"]
    assert "Connecté(e) : **rita** (chargé(e) de clientèle)" in "\n".join(m.value for m in at.sidebar.markdown)


def test_the_review_flow_asks_the_person_to_choose_and_shows_the_new_state_at_once(api, serving_data):
    """Nothing chosen in advance; what is missing is said in French and the page stays; once sent, the override
    waits for an approver on the same page; the approver sees the model's reasons and the file's link; an
    auditor checks the chain from the dashboard."""
    population = serving_data.population
    client = int(population.index[population["decision"] == "refuse"][70])  # a file no other test opens
    remy = api.with_token(api.login("remy", PASSWORD)["token"])
    first = remy.explain(client, "fr")
    flagged = remy.flag(first["decision_id"], "Le client présente un garant solvable.")
    api.with_token(None)

    def record(app):
        next(b for b in app.button if b.label == "Enregistrer la décision").click().run()

    at = _app(api, "rita", page="review")
    first_case = at.selectbox(key="case").value
    assert at.radio(key=f"decide_choice_{first_case}").value is None
    assert at.selectbox(key=f"decide_code_{first_case}").value is None
    at.radio(key=f"decide_choice_{first_case}").set_value("refuse")  # chosen on another case, never carried over
    at.selectbox(key="case").set_value(flagged["decision_id"]).run()
    case = flagged["decision_id"]
    assert at.radio(key=f"decide_choice_{case}").value is None
    record(at)
    assert "Choisissez une décision : accorder ou refuser." in _text(at)
    assert "Dérogations en attente de validation (quatre yeux)" in [h.value for h in at.subheader]  # page kept
    at.radio(key=f"decide_choice_{case}").set_value("accept")
    at.selectbox(key=f"decide_code_{case}").set_value("guarantor_or_collateral")
    at.text_area(key=f"decide_why_{case}").set_value("court")
    record(at)
    assert "au moins 10 caractères" in _text(at) and not at.exception
    at.text_area(key=f"decide_why_{case}").set_value("Acte de caution du garant vérifié en agence.")
    record(at)
    assert not at.exception
    assert any("attend l'approbation d'une autre personne" in s.value for s in at.success)
    assert f"client {client}" in _text(at) and "Aucune dérogation en attente" not in _text(at)
    approver = _app(api, "alice", page="review")
    assert "Ce qui a pesé dans la proposition du modèle" in _text(approver)
    assert any(b.label == f"Ouvrir le dossier du client {client}" for b in approver.button)
    auditor = _app(api, "audrey", page="review")
    next(b for b in auditor.button if b.label == "Lancer la vérification").click().run()
    assert any(s.value.startswith("Intègre : ") for s in auditor.success), _text(auditor)
    rita_file = _app(api, "rita", client_id=client)  # the history says who asked, in French
    assert not rita_file.exception
    history = rita_file.table[-1].value
    assert set(history["Demandé par"]) <= {"remy", "rita", ""} and "user remy" not in set(history["Demandé par"])
    alice = api.with_token(api.login("alice", PASSWORD)["token"])  # the case is closed: no later test sees it
    waiting = [c for c in alice.review_queue("fr")["approval"] if c["client_id"] == client]
    alice.approve(waiting[0]["decision_id"], False, "Dossier clos à la fin du test.")
    api.with_token(None)
