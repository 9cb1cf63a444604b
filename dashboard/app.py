"""Streamlit dashboard for relationship managers: a client's score and why, comparisons, what-if, the model.

It talks only to the scoring API (``CREDITRISK_API_URL``, ``CREDITRISK_API_KEY``); it loads no model and
recomputes nothing. French by default, English available. Run: ``streamlit run dashboard/app.py``.
"""

from __future__ import annotations

import html
import math
import re

import pandas as pd
import streamlit as st

import charts
from api_client import ApiClient, ApiError
from letter import agreed_explanation, render_letter
from texts import ARROWS, ICONS, LANGUAGES, STREAMLIT_WORDS, decision_help, t, term, waited

INCOME_BANDS = {"< 100 000": (None, 99_999.99), "100 000 – 200 000": (100_000, 199_999.99),
                "200 000 – 300 000": (200_000, 299_999.99), "≥ 300 000": (300_000, None)}
AGE_BANDS = {"< 30": (None, 29.999), "30 – 45": (30, 44.999), "45 – 60": (45, 59.999), "≥ 60": (60, None)}
COMPARE_FEATURES = ("EXT_SOURCE_MEAN", "CREDIT_INCOME_RATIO", "ANNUITY_INCOME_RATIO", "AGE_YEARS",
                    "YEARS_EMPLOYED", "AMT_INCOME_TOTAL", "AMT_CREDIT", "PAYMENT_RATE", "INSTAL_LATE_MEAN")


# ------------------------------------------------------------------------------------------------ formatting
def fmt(value: object, language: str) -> str:
    """Numbers for people: thousands separated, few decimals; missing values in words."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("missing", language)
    if isinstance(value, bool | str):
        return str(value)
    number = float(value)
    text = f"{number:,.0f}" if abs(number) >= 100 or number == int(number) else f"{number:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") if language == "fr" else text


def euros(value: float, language: str) -> str:
    return fmt(value, language) + "\u00a0€"


def decimal(value: float | None, language: str, digits: int = 3) -> str:
    if value is None:
        return t("missing", language)
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if language == "fr" else text


def pct(value: float, language: str) -> str:
    text = f"{100 * value:.1f}\u00a0%"
    return text.replace(".", ",") if language == "fr" else text.replace("\u00a0%", "%")


def points(value: float, language: str) -> str:
    """A difference of two percentages, in percentage points."""
    text = f"{100 * value:.1f}".replace(".", ",") if language == "fr" else f"{100 * value:.1f}"
    return t("points", language, n=text)


@st.cache_data(ttl=300, show_spinner=False)
def _model_info(_api: ApiClient, url: str) -> dict:
    return _api.model()


def model_info(api: ApiClient) -> dict:
    """The model page's facts and the readable names of the fields (cached: one call per five minutes)."""
    return _model_info(api, api.base_url)


def field_label(api: ApiClient, field: str, language: str) -> str:
    return model_info(api)["fields"].get(field, {}).get(f"label_{language}", field)


def show_error(error: ApiError, language: str, api: ApiClient) -> None:
    messages = {"down": t("api_down", language, url=api.base_url), "slow": t("api_slow", language),
                "unknown": t("api_unknown", language),
                "auth": t("api_auth", language), "refused": t("api_refused", language, detail=error.detail),
                "session": t("api_session", language), "forbidden": t("api_forbidden", language, detail=error.detail),
                "error": t("api_error", language)}
    st.error(messages.get(error.kind, messages["error"]), icon="🚫")


def note(text: str) -> None:
    """A secondary sentence (chart summaries, help). Not st.caption: its grey fails the 4.5:1 contrast ratio."""
    st.markdown(f"<p class='note'>{html.escape(text)}</p>", unsafe_allow_html=True)


def alt_table(frame: pd.DataFrame, language: str) -> None:
    """The text alternative of a chart: its data as a table, one click away."""
    with st.expander(t("chart_data", language)):
        st.dataframe(frame, hide_index=True, width="stretch")


# ------------------------------------------------------------------------------------------------ client page
def decision_block(result: dict, language: str) -> None:
    decision, threshold, band = result["decision"], result["threshold"], result["review_band"]
    low, high = max(0.0, threshold - band), threshold + band
    st.subheader(t("score", language))
    col1, col2, col3, col4 = st.columns([1, 0.9, 1.5, 0.9])  # the decision's words need the most room
    col1.metric(t("pd", language), pct(result["probability_of_default"], language))
    col2.metric(t("grade", language), t("grade_value", language, grade=result["grade"], grades=result["grades"]))
    col3.metric(t("decision", language), f"{ICONS[decision]} {t(decision, language)}")
    col4.metric(t("threshold", language), pct(threshold, language))
    st.markdown(t("decision_sentence", language, icon=ICONS[decision], decision=t(decision, language),
                  pd=pct(result["probability_of_default"], language), low=pct(low, language),
                  high=pct(high, language)))
    note(t("threshold_note", language, threshold=pct(threshold, language), band=points(band, language)))
    note(t("grade_note", language, grades=result["grades"]))
    note(decision_help(decision, language))
    labels = {k: t(k, language) for k in ("accept", "review", "refuse")}
    st.altair_chart(charts.gauge(result["probability_of_default"], threshold, band, labels,
                                 t("gauge_marker", language, pd=pct(result["probability_of_default"], language)),
                                 language), width="stretch")
    note(t("gauge_alt", language, pd=pct(result["probability_of_default"], language), low=pct(low, language),
                 high=pct(high, language)))


def strength(contribution: float, language: str) -> str:
    size = abs(contribution)
    return t("strongly" if size >= 0.3 else "moderately" if size >= 0.1 else "slightly", language)


def why_block(explanation: dict, language: str) -> None:
    """The principal reasons as sentences to say to the client; every factor for the adviser, sensitive ones marked."""
    st.subheader(t("why", language))
    against = explanation.get("model_decision", explanation["decision"]) != "accept"  # the model's reasons
    st.markdown(t("why_against" if against else "why_for", language))
    st.markdown("\n".join(f"- {ARROWS[against]} {r['sentence']}" for r in explanation["reasons"])
                or t("no_reason", language))
    concepts = pd.DataFrame(explanation["concepts"][:10])
    if concepts.empty:
        return
    with st.expander(t("adviser_view", language)):
        note(t("adviser_note", language))
        lines = [f"- {ARROWS[c > 0]} **{label}** — {t('raises' if c > 0 else 'lowers', language)}, "
                 f"{strength(c, language)}{t('sensitive_mark', language) if sensitive else ''}"
                 for label, c, sensitive in zip(concepts["label"], concepts["contribution"], concepts["sensitive"],
                                                strict=True)]
        st.markdown("\n".join(lines))
        labels = {"raises": t("raises", language), "lowers": t("lowers", language), "axis": t("effect", language)}
        st.altair_chart(charts.contributions(concepts.assign(value=""), labels, language), width="stretch")
        up, down = int((concepts["contribution"] > 0).sum()), int((concepts["contribution"] <= 0).sum())
        note(t("why_alt", language, up=up, down=down, top=concepts["label"].iloc[0]))
        alt_table(pd.DataFrame({t("factor", language): concepts["label"],
                                t("effect", language): [f"{t('raises' if c > 0 else 'lowers', language)} "
                                                        f"({strength(c, language)})" for c in concepts["contribution"]],
                                t("sensitive", language): [t("yes" if s else "no", language)
                                                           for s in concepts["sensitive"]]}), language)


def change_block(api: ApiClient, client_id: int, result: dict, language: str) -> dict | None:
    """What would change the decision: the smallest change of the loan terms, each checked by the model."""
    if result["decision"] == "accept":
        return None
    st.subheader(t("change", language))
    answer = api.counterfactual(client_id, language)
    if not answer["proposals"]:
        st.markdown(answer["message"])
        return answer
    st.markdown(t("change_intro", language))
    st.markdown("\n".join(f"- {p['sentence']} "
                          f"{t('change_result', language, pd=pct(p['probability_of_default'], language))}"
                          for p in answer["proposals"]))
    note(t("change_note", language))
    return answer


def letter_block(api: ApiClient, client_id: int, explanation: dict, change: dict | None, info: dict,
                 language: str) -> None:
    """The decision letter for the client, to download and print (HTML, A4); another for the latest loan terms
    recorded as agreed with the client, which have their own decision of record."""
    st.subheader(t("letter", language))
    note(t("letter_note", language))
    shown = {f["field"]: f for f in info.get("descriptive", [])}
    request = ({"amount": shown["AMT_CREDIT"]["display"], "term": term(shown["CREDIT_TERM_MONTHS"]["value"], language),
                "monthly": shown["AMT_ANNUITY"]["display"]}
               if {"AMT_CREDIT", "CREDIT_TERM_MONTHS", "AMT_ANNUITY"} <= set(shown) else None)
    letter = render_letter(client_id, explanation, change, language, request=request,
                           adviser=st.session_state["user"]["name"])
    st.download_button(t("letter_download", language), letter,
                       file_name=f"decision-{client_id}-{language}.html", mime="text/html", key="letter")
    agreed_letter(api, client_id, language, key="letter_terms")


def agreed_letter(api: ApiClient, client_id: int, language: str, key: str) -> None:
    """The letter on the latest loan terms a relationship manager recorded as agreed with the client (an
    application of its own, with its own decision of record), in the language its reasons were recorded in."""
    agreed = [r for r in api.history(client_id)["records"] if r["kind"] == "model" and r["terms"]]
    if not agreed:
        return
    record = agreed[-1]
    written = next((r["language"] for r in record["reasons"] or [] if "language" in r), language)
    note(t("letter_terms_note", language, n=record["decision_id"],
           decision=t(record["in_force"]["decision"], language).lower()))
    st.download_button(t("letter_terms_download", language, n=record["decision_id"],
                         written=t(f"language_{written}", language)),
                       render_letter(client_id, agreed_explanation(record), None, written,
                                     request=terms_request(record["terms"], written),
                                     adviser=st.session_state["user"]["name"]),
                       file_name=f"decision-{client_id}-{record['decision_id']}-{written}.html",
                       mime="text/html", key=key)


def terms_request(terms: dict, language: str) -> dict:
    """The letter's subject for terms agreed: the credit, its term, the monthly instalment, and the purchase and
    down payment when the client pays part of the price."""
    request = {"amount": euros(terms["credit"], language), "term": term(terms["months"], language),
               "monthly": euros(terms["instalment"], language)}
    if terms["down_payment"] > 0:
        request |= {"price": euros(terms["amount"], language), "down": euros(terms["down_payment"], language)}
    return request


def profile_block(info: dict, language: str) -> None:
    st.subheader(t("profile", language))
    left, right = st.columns(2)
    for column, key in ((left, "descriptive"), (right, "history")):
        column.markdown(f"**{t('profile' if key == 'descriptive' else 'history', language)}**")
        column.table(pd.DataFrame({t("field", language): [d["label"] for d in info[key]],
                                   t("value", language): [d["display"] for d in info[key]]})
                     .set_index(t("field", language)))


def position_block(api: ApiClient, client_id: int, language: str) -> None:
    st.subheader(t("position", language))
    fields = [f for f in COMPARE_FEATURES if f in model_info(api)["fields"]]
    feature = st.selectbox(t("feature", language), fields, placeholder=t("choose", language),
                           key="position_feature",
                           format_func=lambda f: field_label(api, f, language))
    dist = api.distribution(feature, client_id)
    label = dist[f"label_{language}"]
    similar = ", ".join(field_label(api, f, language).lower() if language == "fr" else field_label(api, f, language)
                        for f in dist["similar_on"])
    n_similar = sum(dist["counts"]["similar"]) + dist["missing"]["similar"]
    note(t("similar_definition", language, n=n_similar, fields=similar))
    frame = _distribution_frame(dist, language)
    client_value = dist["client_value"]
    axis_format = {"share": "%", "years": ".0f", "score": ".0f"}.get(dist["unit"], ",")
    if dist["unit"] == "score":  # on the axis as in the sentences: out of 100
        frame[["start", "end", "middle"]] *= 100
        client_value = None if client_value is None else 100 * client_value
        label = f"{label} (/100)"
    st.altair_chart(charts.distribution(frame, client_value, t("this_client", language), label, language,
                                        t("share_of_group", language), axis_format), width="stretch")
    medians = {k: shown(dist["median"].get(k), dist["unit"], language) for k in ("all", "accept", "refuse",
                                                                                   "similar")}
    st.markdown(t("position_sentence", language, value=shown(dist["client_value"], dist["unit"], language),
                  pct=f"{dist.get('client_percentile') or 0:.0f}", **medians))
    table = frame.pivot_table(index="middle", columns="group", values="share").reset_index()
    table["middle"] = [shown(v, dist["unit"], language) for v in table["middle"]]
    for column in table.columns[1:]:
        table[column] = [pct(v, language) for v in table[column]]
    alt_table(table.rename(columns={"middle": label}), language)


def shown(value: float | None, unit: str, language: str) -> str:
    """A number of a chart or a sentence in the unit of its field."""
    if value is None:
        return t("missing", language)
    if unit in ("share", "score"):
        return pct(value, language) if unit == "share" else fmt(round(100 * value), language) + "/100"
    if unit == "years":
        return t("years", language, n=decimal(value, language, 1))
    return fmt(value, language)


def _distribution_frame(dist: dict, language: str) -> pd.DataFrame:
    edges = dist["edges"]
    rows = []
    for key, counts in dist["counts"].items():
        if key == "review":
            continue
        total = max(1, sum(counts))
        group = t(f"group_{key}", language)
        rows += [{"key": key, "group": group, "start": edges[i], "end": edges[i + 1],
                  "middle": (edges[i] + edges[i + 1]) / 2, "share": c / total} for i, c in enumerate(counts)]
    return pd.DataFrame(rows)


def parse_number(text: str, language: str) -> float:
    """A number typed the way people write it: « 415 818,50 » in French (spaces of any kind between thousands, a
    decimal comma), "415,818.50" in English; a euro sign is allowed. ValueError, in the page's language, otherwise."""
    from babel.numbers import NumberFormatError, parse_decimal

    cleaned = re.sub(r"\s+", "\u202f" if language == "fr" else "", text.replace("€", "").strip())
    if language == "fr" and "." in cleaned:
        raise ValueError(t("number_dot", language, text=text))
    try:
        return float(parse_decimal(cleaned, locale="fr_FR" if language == "fr" else "en_GB", strict=True))
    except NumberFormatError:
        raise ValueError(t("number_invalid", language, text=text)) from None


def _scored_from(record: dict, language: str) -> str:
    """Where the model's record was scored from: the stored file, records sent, or the terms agreed."""
    terms = record.get("terms")
    if terms:
        return t("channel_terms", language, credit=euros(terms["credit"], language),
                 months=term(terms["months"], language))
    return t(f"channel_{record['channel']}", language)


def whatif_block(api: ApiClient, client_id: int, info: dict, result: dict, language: str) -> None:
    """The adviser's what-if on the loan terms only: amount, down payment, term (README, "Loan terms")."""
    st.subheader(t("whatif", language))
    st.warning(t("whatif_warning", language), icon="🧪")
    credit, annuity = info["loan"]["AMT_CREDIT"], info["loan"]["AMT_ANNUITY"]  # the loan as filed
    if not credit or not annuity:
        st.markdown(t("whatif_no_terms", language))
        return
    months_now = credit / annuity
    note(t("whatif_help", language))
    with st.form("whatif"):
        left, middle, right = st.columns(3)
        # keys of this client's own: another client's file starts from its own loan, not the last one typed
        typed = {"amount": left.text_input(t("whatif_amount", language), value=fmt(credit, language),
                                           key=f"whatif_amount_{client_id}"),
                 "down_payment": middle.text_input(t("whatif_down", language), value="0",
                                                   key=f"whatif_down_{client_id}"),
                 "months": right.text_input(t("whatif_months", language), value=f"{months_now:.0f}",
                                            key=f"whatif_months_{client_id}")}
        submitted = st.form_submit_button(t("simulate", language))
    agreed_key = f"whatif_agreed_{client_id}"
    if not submitted:  # the last simulation stays on the page (and can be recorded) until the form is sent again
        if agreed_key in st.session_state:
            _negotiated(api, client_id, st.session_state[agreed_key], credit, annuity, months_now, language)
        return
    st.session_state.pop(agreed_key, None)
    try:
        values = {k: parse_number(v, language) for k, v in typed.items()}
    except ValueError as error:
        st.error(str(error))
        return
    problem = _terms_problem(values, language)
    if problem:
        st.error(problem)
        return
    if round(values["months"]) == round(months_now):  # the term as requested, not rounded to whole months
        values["months"] = months_now
    if typed["amount"] == fmt(credit, language):  # the amount as requested, not rounded to the euro shown
        values["amount"] = credit
    if values["amount"] == credit and values["down_payment"] == 0 and values["months"] == months_now:
        st.info(t("whatif_unchanged", language))
        return
    if _negotiated(api, client_id, values, credit, annuity, months_now, language):
        st.session_state[agreed_key] = values


def _negotiated(api: ApiClient, client_id: int, values: dict, credit: float, annuity: float, months_now: float,
                language: str) -> bool:
    """The simulation of these terms, and for a relationship manager the button that records them as the
    client's application; False when the service refused the terms."""
    try:
        answer = api.negotiate(client_id, **values)
    except ApiError as error:
        if error.kind != "refused":
            raise
        st.error(t("whatif_refused", language, detail=error.detail))
        return False
    whatif_result(answer, credit, annuity, months_now, language)
    if st.session_state["user"]["role"] == "relationship_manager":
        note(t("terms_record_help", language))
        if st.button(t("terms_record", language), key=f"terms_record_{client_id}"):
            recorded = api.record_terms(client_id, **values, language=language)
            key = "terms_recorded" if recorded["recorded_now"] else "terms_already"
            st.success(t(key, language, id=recorded["decision_id"],
                         decision=t(recorded["decision"], language),
                         pd=pct(recorded["probability_of_default"], language)))
            agreed_letter(api, client_id, language, key="letter_terms_recorded")
    return True


def _terms_problem(values: dict, language: str) -> str | None:
    """What is wrong with the typed terms, in the page's language (the service checks them again)."""
    if values["amount"] <= 0:
        return t("whatif_bad_amount", language)
    if not 0 <= values["down_payment"] < values["amount"]:
        return t("whatif_bad_down", language)
    if values["months"] < 1:
        return t("whatif_bad_months", language)
    return None


def whatif_result(answer: dict, credit: float, annuity: float, months: float, language: str) -> None:
    """The simulated PD and decision, and the loan as requested beside the loan simulated."""
    before, after, terms = answer["current"], answer["simulated"], answer["terms"]

    st.markdown(t("whatif_result", language, before=pct(before["probability_of_default"], language),
                  after=pct(after["probability_of_default"], language),
                  decision_before=t(before["decision"], language),
                  decision_after=f"{ICONS[after['decision']]} {t(after['decision'], language)}"))
    rows = {"whatif_credit": (euros(credit, language), euros(terms["credit"], language)),
            "whatif_down_row": (euros(0, language), euros(terms["down_payment"], language)),
            "whatif_months_row": (term(months, language), term(terms["months"], language)),
            "whatif_instalment": (euros(annuity, language), euros(terms["instalment"], language)),
            "pd": (pct(before["probability_of_default"], language), pct(after["probability_of_default"], language))}
    table = pd.DataFrame([(t(k, language), *v) for k, v in rows.items()],
                         columns=[t("field", language), t("whatif_requested", language),
                                  t("whatif_simulated", language)])
    st.table(table.set_index(t("field", language)))
    same_term = math.isclose(terms["months"], months, rel_tol=1e-9)  # a constrained model never rises there
    if same_term and terms["credit"] < credit and after["probability_of_default"] > before["probability_of_default"]:
        note(t("whatif_rises", language))  # the model's PD as it is, and why it can go that way


def client_page(api: ApiClient, language: str) -> None:
    with st.form("pick"):
        client_id = st.number_input(t("client_id", language), min_value=0, step=1, format="%d",
                                    value=int(st.session_state.get("client_id") or 0), key="client_input")
        if st.form_submit_button(t("show", language)):
            st.session_state["client_id"] = int(client_id)
    client_id = st.session_state.get("client_id")
    if not client_id:
        st.info(t("pick_client", language))
        return
    result, explanation = client_view(api, client_id, language)
    st.header(t("client_title", language, client_id=client_id))
    decision_block(result, language)
    record_note(explanation, language)
    why_block(explanation, language)
    change = change_block(api, client_id, result, language)
    info = api.client(client_id, language)
    letter_block(api, client_id, explanation, change, info, language)
    profile_block(info, language)
    position_block(api, client_id, language)
    whatif_block(api, client_id, info, result, language)
    flag_block(api, explanation, language)
    history_block(api, client_id, language)


def record_note(explanation: dict, language: str) -> None:
    """Which record the decision shown is: the model's, or a person's word that replaced it (the model's kept)."""
    if explanation.get("decided_by") != "person":
        note(t("recorded_as", language, n=explanation["decision_id"]))
        return
    key = "in_review" if explanation["decision"] == "review" else "decided_by_person"
    note(t(key, language, n=explanation["decision_in_force_id"], actor=explanation.get("decided_by_name") or "?",
           model=t(explanation["model_decision"], language), first=explanation["decision_id"]))


def forget_views() -> None:
    """A person's decision changes what is in force: the cached client files are asked again."""
    st.session_state.pop("views", None)


def client_view(api: ApiClient, client_id: int, language: str) -> tuple[dict, dict]:
    """The client's score and explanation, asked once per client and language in this session: each answer is a
    decision of record, and Streamlit re-runs the page at every click."""
    views = st.session_state.setdefault("views", {})
    if (client_id, language) not in views:
        explanation = api.explain(client_id, language)
        info = model_info(api)
        result = {k: explanation[k] for k in ("client_id", "probability_of_default", "grade", "grades", "decision",
                                               "threshold")} | {"review_band": info["review_band"]}
        views[(client_id, language)] = (result, explanation)
    return views[(client_id, language)]


def flag_block(api: ApiClient, explanation: dict, language: str) -> None:
    """A relationship manager sends an automatic decision to a person's review, saying why."""
    if st.session_state["user"]["role"] == "auditor" or explanation["decision"] == "review":
        return
    with st.expander(t("flag_title", language)), st.form("flag"):
        why = st.text_area(t("flag_why", language), key="flag_why")
        if st.form_submit_button(t("flag_send", language)):
            if len(why.strip()) < 10:
                st.error(t("short_why", language), icon="✏️")
                return
            done = send(lambda: api.flag(explanation["decision_id"], why), language)
            if done:
                flash(t("flag_done", language, n=done["decision_id"]))


def history_block(api: ApiClient, client_id: int, language: str) -> None:
    records = api.history(client_id)["records"]
    if not records:
        return
    st.subheader(t("history_title", language))
    rows = []
    for r in records:
        outcome = r["final_decision"] or (r["auto_decision"] if r["kind"] == "model" else None)
        what = t(f"kind_{r['kind']}", language)
        if outcome:
            what += (" : " if language == "fr" else ": ") + t(outcome, language)
        rows.append({t("case", language): r["decision_id"], t("when", language): r["recorded_at"][:16].replace(
                         "T", " "),
                     t("what", language): what, t("who", language): r["actor"] or t("kind_model", language),
                     t("scored_from", language): _scored_from(r, language) if r["kind"] == "model" else "",
                     t("requested_by", language): _requester(r.get("requested_by"), language),
                     t("status", language): t(f"status_{r['status']}", language, parent=r["parent"]),
                     t("justification", language): r["justification"] or t("none", language)})
    st.table(pd.DataFrame(rows).set_index(t("case", language)))  # a real table: read aloud by screen readers


def _requester(requested_by: str | None, language: str) -> str:
    """"user NAME" is the person; "api key ID" a machine client, named by its key's id (never the key)."""
    if not requested_by:
        return ""
    kind, _, who = requested_by.partition(" ")
    if kind == "user":
        return who
    return t("machine_client", language, key_id=requested_by.removeprefix("api key "))


# ------------------------------------------------------------------------------------------------ review
def review_page(api: ApiClient, language: str) -> None:
    """The cases waiting for a person, the decision form, and the overrides waiting for an approver."""
    st.header(t("page_review", language))
    show_flash()
    user = st.session_state["user"]
    queue = api.review_queue(language)
    codes = queue["reason_codes"]
    if user["role"] == "auditor":
        st.info(t("read_only", language))
    st.subheader(t("queue_title", language))
    cases = queue["review"]
    if not cases:
        st.markdown(t("queue_empty", language))
    else:
        labels = {c["decision_id"]: t("case_label", language, n=c["decision_id"], client=c["client_id"],
                                      pd=pct(c["pd"], language), age=waited(c["age_hours"], language)) for c in cases}
        chosen = st.selectbox(t("case", language), list(labels), format_func=labels.get,
                              placeholder=t("choose", language), key="case")
        case = next(c for c in cases if c["decision_id"] == chosen)
        origin = (t("origin_flag", language, actor=case["actor"]) if case["kind"] == "flag"
                  else t("origin_model", language))
        st.markdown(f"**{t('origin', language)}** : {origin}" if language == "fr" else
                    f"**{t('origin', language)}**: {origin}")
        if case.get("justification"):
            st.markdown(f"> {case['justification']}")
        reasons = case.get("reasons") or []
        if reasons:
            st.markdown(f"**{t('reasons_given', language)}**")
            st.markdown("\n".join(f"- {r['sentence']}" for r in reasons))
        if user["role"] != "auditor":
            decision_form(api, case, codes, language)
    st.subheader(t("approvals_title", language))
    waiting = queue["approval"]
    if not waiting:
        st.markdown(t("approvals_empty", language))
    for case in waiting:
        approval_block(api, case, codes, user, language)
    if user["role"] in ("auditor", "approver"):
        verify_block(api, language)


def flash(message: str) -> None:
    """A confirmation shown after the page is drawn again (so that the queues show the new state at once)."""
    st.session_state["flash"] = message
    forget_views()
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message)


def missing(decision: str | None, code: str | None, why: str, language: str) -> str | None:
    """What the person still has to give, in their language (checked before anything is sent)."""
    if decision is None:
        return t("missing_decision", language)
    if code is None:
        return t("missing_code", language)
    if len(why.strip()) < 10:
        return t("short_why", language)
    return None


def send(api_call, language: str):
    """A person's decision sent; a refusal by the service is said in the page's language and keeps the page."""
    try:
        return api_call()
    except ApiError as error:
        if error.kind != "refused":
            raise
        st.error(t("not_recorded", language, detail=error.detail), icon="🚫")
        return None


def decision_form(api: ApiClient, case: dict, codes: dict, language: str) -> None:
    """No decision and no reason are chosen in advance: the person chooses both, and says why."""
    note(t("four_eyes_note", language))
    case_id = case["decision_id"]  # keys of the case's own: a choice made on one case never carries to another
    with st.form(f"decide-{case_id}"):
        decision = st.radio(t("your_decision", language), ["accept", "refuse"], format_func=lambda d: t(d, language),
                            horizontal=True, index=None, key=f"decide_choice_{case_id}")
        code = st.selectbox(t("reason_code", language), list(codes), format_func=codes.get, index=None,
                            placeholder=t("choose", language), key=f"decide_code_{case_id}")
        why = st.text_area(t("justification", language), key=f"decide_why_{case_id}")
        if st.form_submit_button(t("record_decision", language)):
            problem = missing(decision, code, why, language)
            if problem:
                st.error(problem, icon="✏️")
                return
            done = send(lambda: api.decide(case["decision_id"], decision, code, why), language)
            if done:
                message = "decided_pending" if done["needs_approval"] else "decided_final"
                flash(t(message, language, n=done["decision_id"]))


def approval_block(api: ApiClient, case: dict, codes: dict, user: dict, language: str) -> None:
    label = t("case_label", language, n=case["decision_id"], client=case["client_id"], pd=pct(case["pd"], language),
              age=waited(case["age_hours"], language))
    st.markdown(f"**{label}**")
    st.markdown(t("proposed_by", language, actor=case["actor"], decision=t(case["final_decision"], language),
                  reason=codes.get(case["reason_code"], case["reason_code"]), why=case["justification"]))
    if case.get("model_reasons"):
        st.markdown(t("model_reasons", language))
        st.markdown("\n".join(f"- {r['sentence']}" for r in case["model_reasons"]))
    st.button(t("open_file", language, client=case["client_id"]), key=f"open_{case['decision_id']}",
              on_click=_open_client, args=(int(case["client_id"]),))
    if user["role"] != "approver":
        return
    if case["actor"] == user["name"]:
        note(t("own_case", language))
        return
    with st.form(f"approve-{case['decision_id']}"):
        why = st.text_area(t("justification", language), key=f"approve_why_{case['decision_id']}")
        grant, deny = st.columns(2)
        granted = grant.form_submit_button(t("grant", language))
        denied = deny.form_submit_button(t("deny", language))
        if granted or denied:
            if len(why.strip()) < 10:
                st.error(t("short_why", language), icon="✏️")
                return
            done = send(lambda: api.approve(case["decision_id"], granted, why), language)
            if done:
                flash(t("approval_done", language, n=done["decision_id"], decision=t(done["final_decision"],
                                                                                       language)))


def _open_client(client_id: int) -> None:
    st.session_state["client_id"] = client_id
    st.session_state["page"] = "client"


def verify_block(api: ApiClient, language: str) -> None:
    """An auditor or approver checks the records' keyed chain from the dashboard."""
    st.subheader(t("verify_title", language))
    note(t("verify_note", language))
    if st.button(t("verify_run", language), key="verify"):
        found = api.verify()
        if found["intact"]:
            st.success(t("verify_ok", language, n=f"{found['records']:,}".replace(",", "\u202f")))
        else:
            st.error(t("verify_broken", language, n=found["broken_at"], problem=found["problem"]))


# ------------------------------------------------------------------------------------------------ other pages
def portfolio_page(api: ApiClient, language: str) -> None:
    st.header(t("page_portfolio", language))
    anyone = t("any", language)
    with st.form("filters"):
        col1, col2 = st.columns(2)
        decision = col1.selectbox(t("decision", language), [anyone, "accept", "review", "refuse"],
                                  format_func=lambda d: d if d == anyone else f"{ICONS[d]} {t(d, language)}",
                                  placeholder=t("choose", language), key="filter_decision")
        contract = col2.selectbox(t("contract", language), [anyone, "Cash loans", "Revolving loans"],
                                  format_func=lambda c: c if c == anyone else t(f"contract_{c}", language),
                                  placeholder=t("choose", language), key="filter_contract")
        income = col1.selectbox(t("income_band", language), [anyone, *INCOME_BANDS],
                                placeholder=t("choose", language), key="filter_income")
        age = col2.selectbox(t("age_band", language), [anyone, *AGE_BANDS], placeholder=t("choose", language),
                             key="filter_age")
        pd_range = st.slider(t("pd_range", language), 0, 100, (0, 100), step=1,
                             format="%d %%" if language == "fr" else "%d%%", key="filter_pd")
        st.form_submit_button(t("apply", language))
    income_range = INCOME_BANDS.get(income, (None, None))
    age_range = AGE_BANDS.get(age, (None, None))
    found = api.clients(decision=None if decision == anyone else decision,
                        contract_type=None if contract == anyone else contract,
                        income_min=income_range[0], income_max=income_range[1], age_min=age_range[0],
                        age_max=age_range[1], pd_min=pd_range[0] / 100 or None,
                        pd_max=pd_range[1] / 100 if pd_range[1] < 100 else None, limit=200, language=language)
    st.markdown(t("found", language, total=found["total"], shown=len(found["clients"])))
    table = pd.DataFrame(found["clients"])
    if table.empty:
        return
    shown_table = pd.DataFrame({
        t("client", language): [str(c) for c in table["client_id"]],
        t("pd", language): [pct(p, language) for p in table["probability_of_default"]],
        t("decision", language): [f"{ICONS[d]} {t(d, language)}" for d in table["decision"]],
        t("of_record", language): [t("estimate", language) if c["simulation"]  # no decision id then
                                   else t("record_no", language, n=int(c["decision_id"])) for c in found["clients"]],
        **{field_label(api, field, language): [d[key] for d in table["display"]]
           for key, field in (("contract_type", "NAME_CONTRACT_TYPE"), ("income", "AMT_INCOME_TOTAL"),
                              ("credit", "AMT_CREDIT"), ("age_years", "AGE_YEARS"))}})
    st.dataframe(shown_table, hide_index=True, width="stretch")
    note(t("estimate_note", language))
    with st.form("open"):
        st.selectbox(t("open_client", language), [c["client_id"] for c in found["clients"]],
                     placeholder=t("choose", language), key="open_client")
        st.form_submit_button(t("open", language), on_click=_open_chosen_client)


def _open_chosen_client() -> None:
    """Callback (runs before the widgets): the page selector may only be changed from here."""
    st.session_state["client_id"] = int(st.session_state["open_client"])
    st.session_state["page"] = "client"


def compare_page(api: ApiClient, language: str) -> None:
    st.header(t("page_compare", language))
    default = ", ".join(str(c) for c in st.session_state.get("compare_ids", []))
    text = st.text_input(t("compare_ids", language), value=default, key="compare_text")
    ids = [int(part) for part in text.replace(";", ",").split(",") if part.strip().isdigit()][:6]
    st.session_state["compare_ids"] = ids
    if not ids:
        return
    results = {r["client_id"]: r for r in api.score(ids)}
    infos = {i: api.client(i, language) for i in ids}
    rows = {t("pd", language): [pct(results[i]["probability_of_default"], language) for i in ids],
            t("decision", language): [f"{ICONS[results[i]['decision']]} {t(results[i]['decision'], language)}"
                                      for i in ids]}
    for entry in infos[ids[0]]["descriptive"] + infos[ids[0]]["history"]:
        rows[entry["label"]] = [next(d["display"] for d in infos[i]["descriptive"] + infos[i]["history"]
                                     if d["field"] == entry["field"]) for i in ids]
    table = pd.DataFrame(rows, index=[t("client_n", language, n=i) for i in ids]).T
    st.dataframe(table, width="stretch", height=35 * (len(table) + 1) + 3)  # every row, no scroll box
    st.subheader(t("scatter", language))
    col1, col2 = st.columns(2)
    fields = [f for f in COMPARE_FEATURES if f in model_info(api)["fields"]]
    x = col1.selectbox(t("x_axis", language), fields, index=0, placeholder=t("choose", language),
                       format_func=lambda f: field_label(api, f, language))
    y = col2.selectbox(t("y_axis", language), fields, index=1, placeholder=t("choose", language),
                       format_func=lambda f: field_label(api, f, language))
    data = api.scatter(x, y, ids)
    labels = {k: t(k, language) for k in ("accept", "review", "refuse")}
    x_label, y_label = field_label(api, x, language), field_label(api, y, language)
    st.altair_chart(charts.scatter(pd.DataFrame(data["points"]), pd.DataFrame(data["clients"]), x_label, y_label,
                                   labels, language), width="stretch")
    note(t("scatter_alt", language, n=len(data["points"])))
    units = model_info(api)["fields"]
    alt_table(pd.DataFrame({t("client", language): [str(c["client_id"]) for c in data["clients"]],
                            x_label: [shown(c["x"], units[x]["unit"], language) for c in data["clients"]],
                            y_label: [shown(c["y"], units[y]["unit"], language) for c in data["clients"]]}),
              language)


def model_page(api: ApiClient, language: str) -> None:
    info = model_info(api)
    st.header(t("model_title", language))
    holdout = info.get("holdout", {})
    col1, col2, col3, col4 = st.columns(4)
    col1.metric(t("model_version", language), info["model_version"])
    col2.metric(t("train_rows", language), fmt(info["train_rows"], language))
    for column, key, value in ((col3, "auc", holdout.get("auc")),
                               (col4, "cost", holdout.get("business_cost_per_client"))):
        column.metric(t(key, language), "—" if value is None else decimal(value, language))
    if holdout.get("enough_data") is False:  # as the model card marks them: too few defaults for a verdict
        st.caption(t("holdout_indicative", language, n=fmt(holdout["holdout_defaults"], language),
                     min=fmt(holdout["min_defaults"], language)))
    costs = info["costs"]
    st.markdown(t("costs_sentence", language, fn=f"{costs['fn_cost'] / costs['fp_cost']:g}",
                  threshold=pct(info["threshold"], language), band=points(info["review_band"], language)))
    st.subheader(t("importance", language))
    concepts = pd.DataFrame(info.get("concept_importance", [])[:12])
    if not concepts.empty:
        concepts["label"] = [f"{label}{' ⚠' if sensitive else ''}" for label, sensitive
                             in zip(concepts[f"label_{language}"], concepts["sensitive"], strict=True)]
        total = concepts["weight"].sum()
        concepts["mean_abs_shap"] = concepts["weight"] / total
        st.altair_chart(charts.importance(concepts, t("importance_axis", language), language), width="stretch")
        note(t("importance_alt", language, top=", ".join(concepts[f"label_{language}"].head(3))))
        alt_table(pd.DataFrame({t("factor", language): concepts["label"],
                                t("weight", language): [pct(w, language) for w in concepts["mean_abs_shap"]]}),
                  language)
    drift = info.get("drift") or {}
    if drift:
        st.subheader(t("drift", language))
        counts = {"n": drift.get("n_drifted", len(drift.get("drifted_columns", []))), "total": drift["n_columns"],
                  "share": decimal(drift.get("share_drifted", 0) * 100, language, 1)}
        if drift.get("enough_data", True):
            st.markdown(t("drift_sentence", language, **counts))
        else:  # the drift stage draws no verdict on so few production clients; the differences are indicative
            st.markdown(t("drift_no_verdict", language, rows=fmt(drift["current_rows"], language),
                          min=fmt(drift["min_rows"], language), **counts))
        topics = info.get("drift_concepts", [])
        st.dataframe(pd.DataFrame({t("topic", language): [c[f"label_{language}"] for c in topics],
                                   t("drifted_columns", language): [c["columns"] for c in topics]}),
                     hide_index=True)
    oversight_block(api, language)


def oversight_block(api: ApiClient, language: str) -> None:
    figures = api.oversight()
    st.subheader(t("oversight_title", language))
    queue = figures["queue"]
    if queue["size"]:
        st.markdown(t("oversight_queue", language, n=queue["size"], age=waited(queue["oldest_hours"], language),
                      a=figures["awaiting_approval"]))
    else:
        st.markdown(t("oversight_no_queue", language, a=figures["awaiting_approval"]))
    weeks = figures["per_week"]
    if weeks:
        share = lambda v: pct(v, language) if v is not None else t("none", language)  # noqa: E731
        st.table(pd.DataFrame({
            t("week", language): [w["week"] for w in weeks],
            t("ov_model", language): [w["model_decisions"] for w in weeks],
            t("ov_alone", language): [share(w["share_by_model_alone"]) for w in weeks],
            t("ov_people", language): [w["people_decisions"] for w in weeks],
            t("ov_favour", language): [w["overrides_in_favour"] for w in weeks],
            t("ov_against", language): [w["overrides_against"] for w in weeks],
            t("ov_rate", language): [share(w["override_rate"]) for w in weeks]}).set_index(t("week", language)))


def page_language(language: str) -> None:
    """The page's ``lang`` (Streamlit writes "en"), and Streamlit's own English words (button names, tooltips,
    placeholders a screen reader reads) in the page's language, also in what Streamlit draws later (an observer);
    its widget hint hidden."""
    import json

    import streamlit.components.v1 as components

    words = json.dumps(STREAMLIT_WORDS.get(language, {}))
    components.html(f"""<script>
const host = window.parent, doc = host.document;
doc.documentElement.lang = '{language}';
host.__creditriskWords = {words};
function translate() {{
  const words = host.__creditriskWords;
  for (const el of doc.querySelectorAll('[aria-label],[title],[placeholder]')) {{
    for (const name of ['aria-label', 'title', 'placeholder']) {{
      const value = el.getAttribute(name);
      if (value && words[value]) el.setAttribute(name, words[value]);
    }}
  }}
  for (const el of doc.querySelectorAll('body *')) {{
    if (el.childElementCount === 0 && words[el.textContent]) el.textContent = words[el.textContent];
  }}
}}
translate();
if (!host.__creditriskObserver) {{
  let pending = false;
  host.__creditriskObserver = new host.MutationObserver(() => {{
    if (!pending) {{ pending = true; host.requestAnimationFrame(() => {{ pending = false; translate(); }}); }}
  }});
  host.__creditriskObserver.observe(doc.body, {{subtree: true, childList: true, attributes: true,
                                               attributeFilter: ['aria-label', 'title', 'placeholder']}});
}}
</script>""", height=0)
    st.markdown("<style>[data-testid='InputInstructions'] {display: none;}</style>", unsafe_allow_html=True)


# ------------------------------------------------------------------------------------------------ main
PAGES = {"client": client_page, "review": review_page, "portfolio": portfolio_page, "compare": compare_page,
         "model": model_page}


def login_page(api: ApiClient, language: str) -> None:
    """Nobody uses the dashboard without logging in: the decisions people take are recorded under their name."""
    st.header(t("login_title", language))
    st.markdown(t("login_intro", language))
    with st.form("login"):
        user = st.text_input(t("user", language), key="login_user")
        password = st.text_input(t("password", language), type="password", key="login_password")
        if st.form_submit_button(t("login", language)):
            answer = api.login(user, password)  # the password goes to the service only, never kept here
            st.session_state["user"] = {"name": answer["user"], "role": answer["role"], "token": answer["token"]}
            st.session_state.pop("login_password", None)
            st.rerun()


def main() -> None:
    st.set_page_config(page_title="Prêt à dépenser — scoring", page_icon="🏦", layout="wide")
    language = st.sidebar.selectbox("Langue / Language", list(LANGUAGES), format_func=LANGUAGES.get,
                                    key="language")
    st.title(t("title", language))
    page_language(language)
    api = st.session_state.get("api_client") or ApiClient.from_env()
    user = st.session_state.get("user")
    try:
        if user is None:
            login_page(api, language)
            return
        api.with_token(user["token"])
        st.sidebar.markdown(t("logged_in", language, user=user["name"], role=t(f"role_{user['role']}", language)))
        if st.sidebar.button(t("logout", language), key="logout"):
            st.session_state.pop("user")
            st.session_state.pop("views", None)
            st.rerun()
        page = st.sidebar.radio(t("page", language), list(PAGES), format_func=lambda p: t(f"page_{p}", language),
                                key="page")
        PAGES[page](api, language)
    except ApiError as error:
        if error.kind == "session":
            st.session_state.pop("user", None)
        show_error(error, language, api)


main()
