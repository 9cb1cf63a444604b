"""Real browser: `bentoml serve` + `streamlit run` on loopback, driven by headless Debian Chromium (Playwright),
with an axe-core accessibility audit. Screenshots are saved in test-artifacts/ for the CI run's artefacts."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import ARTIFACTS, CHROMIUM
from tests.service_fixtures import API_KEY, PASSWORD, THRESHOLD, TOKEN_SECRET

BLOCKING = {"serious", "critical"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="module")
def servers(serving_dir, decisions_db, tmp_path_factory):
    """The API on the test model (session BentoML store) and the dashboard pointed at it."""
    from creditrisk.service.model_store import import_to_bentoml

    assert CHROMIUM.exists(), f"{CHROMIUM} not found: `make test` installs Debian's chromium (see .ci/run)"
    import_to_bentoml(serving_dir)
    api_port, ui_port = _free_port(), _free_port()
    bin_dir = Path(sys.executable).parent
    env = os.environ | {"CREDITRISK_API_KEY": API_KEY, "BENTOML_DO_NOT_TRACK": "true",
                        "CREDITRISK_TRAFFIC_DIR": str(tmp_path_factory.mktemp("e2e-traffic")),
                        "CREDITRISK_API_URL": f"http://127.0.0.1:{api_port}",
                        "CREDITRISK_DECISIONS_URL": decisions_db, "CREDITRISK_TOKEN_SECRET": TOKEN_SECRET}
    logs = tmp_path_factory.mktemp("e2e-logs")
    with open(logs / "api.log", "w") as api_log, open(logs / "ui.log", "w") as ui_log:
        api = subprocess.Popen([str(bin_dir / "bentoml"), "serve", "--host", "127.0.0.1", "--port", str(api_port),
                                "--timeout-keep-alive", "75"],
                               cwd=ROOT, env=env, stdout=api_log, stderr=subprocess.STDOUT)
        ui = subprocess.Popen([str(bin_dir / "streamlit"), "run", "dashboard/app.py", "--server.port",
                               str(ui_port), "--server.address", "127.0.0.1"], cwd=ROOT, env=env, stdout=ui_log,
                              stderr=subprocess.STDOUT)
        try:
            _wait(f"http://127.0.0.1:{api_port}/readyz", api)
            _wait(f"http://127.0.0.1:{ui_port}/_stcore/health", ui)
            yield {"ui": f"http://127.0.0.1:{ui_port}", "api": f"http://127.0.0.1:{api_port}"}
        finally:
            for process in (ui, api):
                process.terminate()
                process.wait(timeout=30)


def login(page, url: str, user: str = "rita") -> None:
    """Open the dashboard and log in (every page needs it)."""
    page.goto(url)
    page.get_by_label("Identifiant").fill(user)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Connecté(e) :").wait_for(timeout=60_000)


def _audit(page, name: str) -> list[str]:
    """axe-core's blocking violations of the page; every violation counted by impact in axe-counts.json."""
    import json

    from axe_playwright_python.sync_playwright import Axe

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    violations = Axe().run(page).response["violations"]
    counts_file = ARTIFACTS / "axe-counts.json"
    counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
    counts[name] = {impact: sum(len(v["nodes"]) for v in violations if v["impact"] == impact)
                    for impact in ("critical", "serious", "moderate", "minor")}
    counts[name]["rules"] = sorted({v["id"] for v in violations})
    counts_file.write_text(json.dumps(counts, indent=1, sort_keys=True))
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}" for v in violations
            if v["impact"] in BLOCKING]


def test_a_client_file_by_keyboard_shows_the_decision_and_passes_axe(servers, browser, scorer, serving_data):
    client = int(serving_data.production.index[0])
    decision = scorer.as_results(scorer.score_ids([client]))[0]["decision"]
    word = {"accept": "Accordé", "review": "À examiner", "refuse": "Refusé"}[decision]
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    login(page, servers["ui"])
    page.get_by_label("Numéro du client").wait_for(timeout=60_000)
    for _ in range(40):  # keyboard only: Tab until the client-id field has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.type === 'number'"):
            break
    else:
        raise AssertionError("the client-id field cannot be reached with the Tab key")
    page.keyboard.press("Control+A")
    page.keyboard.type(str(client))
    page.keyboard.press("Enter")
    page.get_by_text("Pourquoi cette décision ?").wait_for(timeout=60_000)
    page.get_by_text(f"{word} : probabilité de défaut estimée à").wait_for(timeout=10_000)
    page.wait_for_timeout(1500)  # charts finish drawing
    assert _audit(page, "client-file") == []
    # the presentation's slide (`make deck` copies it to docs/img): from the client's heading to the reasons' one
    top = page.get_by_role("heading", name=f"Client n° {client}").bounding_box()
    end = page.get_by_role("heading", name="Pourquoi cette décision ?").bounding_box()
    assert top and end and end["y"] > top["y"]
    page.screenshot(path=str(ARTIFACTS / "client-file-slide.png"), clip={
        "x": top["x"] - 16, "y": top["y"] - 16, "width": 1280 - top["x"], "height": end["y"] - top["y"] + 8})


def test_readable_at_200_percent_zoom(servers, browser, serving_data):
    """WCAG 1.4.10 reflow: at 200 % zoom of a 1280 px window (640 CSS px) nothing needs horizontal scrolling,
    on the landing page and on a client's file."""
    page = browser.new_page(viewport={"width": 640, "height": 900}, device_scale_factor=2)
    login(page, servers["ui"])
    page.get_by_text("Saisissez l'identifiant d'un client").wait_for(timeout=60_000)
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 0
    page.get_by_label("Numéro du client").fill(str(int(serving_data.production.index[1])))
    page.get_by_role("button", name="Afficher le dossier").click()
    page.get_by_text("Pourquoi cette décision ?").wait_for(timeout=60_000)
    page.get_by_text("Tous les facteurs du score (vue conseiller)").click()  # the bar chart of the factors
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "zoom-200.png"), full_page=True)
    assert page.evaluate(overflow) <= 0


def test_the_deploy_smoke_step_passes_against_bentoml_serve(servers):
    """The deploy workflow's post-deploy check, run here against the local `bentoml serve` and dashboard."""
    env = os.environ | {"CREDITRISK_API_KEY": API_KEY}
    ok = subprocess.run([sys.executable, "scripts/smoke_deploy.py", "--api", servers["api"], "--dashboard",
                         servers["ui"], "--wait", "30"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "ok   scored client" in ok.stdout
    wrong = subprocess.run([sys.executable, "scripts/smoke_deploy.py", "--api", servers["api"], "--wait", "30"],
                           cwd=ROOT, env=env | {"CREDITRISK_API_KEY": "wrong"}, capture_output=True, text=True)
    assert wrong.returncode == 1 and "/clients answered 401" in wrong.stderr


def test_bentoml_serve_guards_metrics_headers_and_bodies(servers):
    """Against the real server (its own metrics middleware and workers): /metrics needs the key, unknown paths
    share one metric label, oversized headers and bodies are refused before parsing."""
    import httpx

    api, auth = servers["api"], {"X-API-Key": API_KEY}
    with httpx.Client(base_url=api, timeout=30) as http:
        assert http.get("/metrics").status_code == 401
        for k in range(3):
            assert http.get(f"/nx-probe-{k}", headers=auth).status_code == 404
        metrics = http.get("/metrics", headers=auth)
        assert metrics.status_code == 200 and "nx-probe" not in metrics.text
        assert 'endpoint="/unknown-route"' in metrics.text
        assert http.get("/readyz", headers={"X-Padding": "p" * 20_000}).status_code == 431
        big = http.post("/score", content=b" " * 4_194_305, headers=auth | {"Content-Type": "application/json"})
        assert big.status_code == 413 and "serve.max_body_bytes" in big.json()["error"]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("decision", ["refuse", "review", "accept"])
def test_the_decision_letter_reads_as_a_letter_to_the_client(decision, language, asgi_client, serving_data, browser):
    """The letter of a refused, a review and an accepted client, in French and English, from the API's answers,
    opened in Chromium: decision, reasons, what would change it (a final refusal only), the right to a review by a
    person; screenshot kept; axe passes."""
    import re
    from datetime import date

    sys.path.insert(0, str(ROOT / "dashboard"))
    from api_client import ApiClient
    from letter import render_letter

    api = ApiClient("http://testserver", API_KEY, http=asgi_client)
    population = serving_data.population
    client = int(population.index[population["decision"] == decision][100])  # a file no other test decides on
    explanation = api.explain(client, language)
    change = api.counterfactual(client, language) if decision != "accept" else None
    info = api.client(client, language)
    shown = {f["field"]: f["display"] for f in info["descriptive"]}
    request = {"amount": shown["AMT_CREDIT"], "term": shown["CREDIT_TERM_MONTHS"], "monthly": shown["AMT_ANNUITY"]}
    page = browser.new_page()
    page.set_content(render_letter(client, explanation, change, language, date(2026, 12, 2), request=request,
                                   adviser="Rita Martin"))
    assert page.evaluate("document.documentElement.lang") == language
    text = page.inner_text("body")
    said = {
        "fr": {"file": f"Dossier n° {client} — 02/12/2026", "review": "une personne examinera votre dossier",
               "right": "réexaminée par une personne", "change": "Ce qui pourrait changer la décision",
               "decision": {"accept": "acceptée", "review": "en cours d'examen", "refuse": "ne pouvons pas"},
               "grade": f"Classe de risque attribuée à votre dossier\u00a0: {explanation['grade']} sur une "
                        "échelle de 1",
               "request": f"Objet\u00a0: votre demande de crédit de {request['amount']}, remboursable en "
                          f"{request['term']} par mensualités de {request['monthly']}"},
        "en": {"file": f"File no. {client} — 2 December 2026", "review": "a person will review your file",
               "right": "reviewed by a person", "change": "What could change the decision",
               "decision": {"accept": "accepted", "review": "being reviewed", "refuse": "we cannot accept"},
               "grade": f"Risk grade given to your file: {explanation['grade']} on a scale from 1",
               "request": f"Subject: your credit application for {request['amount']}, repayable over "
                          f"{request['term']} in monthly instalments of {request['monthly']}"}}[language]
    assert said["file"] in text and said["request"] in text
    assert (said["review"] if decision == "review" else said["right"]) in text
    assert said["decision"][decision] in text
    assert all(r["sentence"] in text for r in explanation["reasons"]) and explanation["reasons"]
    assert said["grade"] in text
    assert (decision == "refuse") == (said["change"] in text)  # only a final refusal
    assert not re.search(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", text)  # no raw column name reaches the client
    assert _audit(page, f"letter-{decision}-{language}") == []
    page.close()


RAW_NAME = r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"  # EXT_SOURCE_MEAN, SK_ID_CURR, NAME_SELLER_INDUSTRY...
# Streamlit's own English words, in the text or in the attributes a screen reader reads
STREAMLIT_ENGLISH = ("Choose an option", "Press Enter to apply", "Press Enter to submit form", "No results",
                     "Select all", "Show password", "Hide password", "Download as CSV", "Search", "Fullscreen",
                     "Close", "Open", "Clear all", "Remove", "View fullscreen")


def _visible_text_problems(page, where: str) -> list[str]:
    """What a French page must not show: a raw column name, an English category value, an English page language."""
    import re

    from creditrisk.reasons.catalogue import load_catalogue

    text = page.evaluate("document.body.innerText")
    english = {value for column in load_catalogue().categories.values() for value in column
               if len(value) > 3}  # "Cash loans", "Working", "House / apartment"... (not "Y", "N", "M")
    problems = [f"{where}: raw name {m!r}" for m in sorted(set(re.findall(RAW_NAME, text)))]
    said = text + "\n" + "\n".join(page.evaluate(
        "[...document.querySelectorAll('[placeholder],[aria-label],[title]')].filter(e => e.offsetParent !== null)"
        ".flatMap(e => [e.getAttribute('placeholder'), e.getAttribute('aria-label'), e.getAttribute('title')])"
        ".filter(Boolean)"))
    problems += [f"{where}: Streamlit's English {w!r}" for w in STREAMLIT_ENGLISH
                 if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", said)]
    problems += [f"{where}: English category {v!r}" for v in sorted(english)
                 if re.search(rf"(?<![\w/]){re.escape(v)}(?![\w/])", text)]
    if page.evaluate("document.documentElement.lang") != "fr":
        problems.append(f"{where}: <html lang> is not fr")
    return problems


def test_french_pages_show_no_raw_name_or_english_category(servers, browser, serving_data):
    """Every page in French, with a refused, a review and an accepted client's file: each visible string is
    scanned for raw column names, English category values and Streamlit's English words, and the page declares
    lang="fr"; the browse, compare and model pages also pass axe (no serious or critical violation)."""
    population = serving_data.population
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    login(page, servers["ui"])
    page.get_by_label("Numéro du client").wait_for(timeout=60_000)
    problems = []
    for decision in ("refuse", "review", "accept"):
        client = int(population.index[population["decision"] == decision][100])  # no other test decides on it
        page.get_by_label("Numéro du client").fill(str(client))
        page.get_by_role("button", name="Afficher le dossier").click()
        page.get_by_text(f"Client n° {client}").wait_for(timeout=60_000)
        page.get_by_text("Ce qui changerait la décision" if decision != "accept" else "Lettre au client").first \
            .wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / f"client-{decision}-fr.png"), full_page=True)
        problems += _visible_text_problems(page, f"client file ({decision})")
    for name, marker in (("Parcourir les clients", "client(s) trouvé(s)"), ("Comparer des clients", "Clients à"),
                         ("Le modèle", "Ce qui compte le plus pour le modèle")):
        page.get_by_text(name, exact=True).click()
        page.get_by_text(marker).first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        problems += _visible_text_problems(page, name)
        problems += _audit(page, name.replace(" ", "-").lower())  # and axe: no serious or critical violation
    assert problems == [], "\n".join(problems)


def test_kill_9_of_a_worker_under_load_loses_only_what_it_held(servers, serving_data):
    """Last in this module (it kills a worker of the shared server). Two workers by default: while one is killed
    with SIGKILL and restarted, the other keeps answering; only requests on the dead worker's connections fail."""
    import contextlib
    import signal
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    import psutil

    api_port = servers["api"].rsplit(":", 1)[1]
    server = next(p for p in psutil.process_iter(["cmdline"])
                  if "serve" in (p.info["cmdline"] or []) and api_port in (p.info["cmdline"] or []))

    def workers() -> list[psutil.Process]:
        alive = []
        for child in server.children(recursive=True):
            with contextlib.suppress(psutil.Error):  # a worker may die (or be a zombie) while it is looked at
                if child.status() != psutil.STATUS_ZOMBIE and "_bentoml_impl.worker" in " ".join(child.cmdline()):
                    alive.append(child)
        return alive

    assert len(workers()) == 2
    ids = [int(i) for i in serving_data.production.index[:5]]
    stop, outcomes = threading.Event(), []  # (time, succeeded)

    def load() -> None:
        with httpx.Client(base_url=servers["api"], timeout=10, headers={"X-API-Key": API_KEY}) as http:
            while not stop.is_set():
                try:
                    ok = http.post("/score", json={"client_ids": ids}).status_code == 200
                except httpx.TransportError:
                    ok = False
                outcomes.append((time.monotonic(), ok))

    concurrency = 8
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(load)
        time.sleep(2)
        victim = workers()[0]
        killed_at = time.monotonic()
        os.kill(victim.pid, signal.SIGKILL)
        time.sleep(4)
        stop.set()
    failed = [t for t, ok in outcomes if not ok]
    after = sorted(t for t, ok in outcomes if ok and t > killed_at)
    gaps = [b - a for a, b in zip([killed_at, *after], after, strict=False)]
    print(f"\nkill -9 of one worker at concurrency {concurrency}: {len(outcomes)} requests, {len(failed)} failed, "
          f"longest time without a successful answer {max(gaps):.2f} s")
    assert len(failed) <= concurrency  # at most one per client connection: the requests the dead worker held
    assert after and max(gaps) < 2.0  # the other worker went on answering
    deadline = time.monotonic() + 60
    while len(workers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(workers()) == 2 and victim.pid not in {w.pid for w in workers()}  # restarted


def test_review_flow_log_in_decide_approve_and_see_the_history(servers, browser, serving_data):
    """A client in the review zone: the RM logs in, decides with a reason and a justification; when accepting is
    an override an approver (another person) approves it; the decisions are in the client's history."""
    import httpx
    from playwright.sync_api import expect

    population = serving_data.population
    above = population[(population["decision"] == "review") & (population["pd"] >= THRESHOLD)]
    client = int(above.index[-1])  # no other test's client; accepting it is an override: two people needed
    scored = httpx.post(f"{servers['api']}/score", json={"client_ids": [client]}, headers={"X-API-Key": API_KEY})
    case = scored.json()["results"][0]
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    login(page, servers["ui"], "rita")
    page.get_by_text("Dossiers à examiner", exact=True).click()
    page.get_by_text("Dossiers en attente d'une décision").wait_for(timeout=60_000)
    page.get_by_role("combobox", name="Dossier").click()
    chosen = re.compile(f"n° {case['decision_id']} — client {client}")
    page.get_by_role("option", name=chosen).click()
    expect(page.get_by_role("combobox", name="Dossier")).to_have_value(chosen, timeout=30_000)
    page.wait_for_timeout(1500)  # the page has re-run for the chosen case before the form is filled
    page.get_by_role("button", name="Enregistrer la décision").click()  # nothing chosen: said, nothing sent
    page.get_by_text("Choisissez une décision : accorder ou refuser.").wait_for(timeout=30_000)
    page.get_by_text("Accordé", exact=True).click()
    page.get_by_role("combobox", name="Motif").click()
    page.get_by_role("option", name="Revenus vérifiés sur pièces").click()
    page.get_by_label("Justification (obligatoire)").fill("Bulletins de salaire des trois derniers mois vérifiés")
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.get_by_text("est une dérogation ; elle attend l'approbation").wait_for(timeout=30_000)
    assert _audit(page, "review-queue") == []
    approver = browser.new_page(viewport={"width": 1280, "height": 1600})  # another person, another session
    login(approver, servers["ui"], "alice")
    approver.get_by_text("Dossiers à examiner", exact=True).click()
    approver.get_by_text("Proposé par rita : Accordé — Revenus vérifiés sur pièces").wait_for(timeout=60_000)
    approver.get_by_label("Justification (obligatoire)").last.fill("Pièces contrôlées une seconde fois")
    approver.get_by_role("button", name="Valider la dérogation").click()
    approver.get_by_text("Validation enregistrée").wait_for(timeout=30_000)
    approver.screenshot(path=str(ARTIFACTS / "review-approval.png"), full_page=True)
    page.get_by_text("Dossier client", exact=True).click()
    page.get_by_label("Numéro du client").fill(str(client))
    page.get_by_role("button", name="Afficher le dossier").click()
    page.get_by_text("Historique des décisions du client").wait_for(timeout=60_000)
    page.get_by_text("Historique des décisions du client").scroll_into_view_if_needed()
    page.get_by_text("décision d'une personne : Accordé").first.wait_for(timeout=30_000)
    page.get_by_text("validation : Accordé").first.wait_for(timeout=30_000)
    page.get_by_text("Décision en vigueur : celle de alice").first.wait_for(timeout=10_000)  # the override stands
    page.get_by_text("Historique des décisions du client").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "decision-history.png"), full_page=True)
