"""The client's letter says the decision in force: a person's approved override replaces the model's word, the
model's reasons are not given for a decision they argued against, and a file in review is not called decided."""

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dashboard"))

from letter import render_letter  # noqa: E402

REASONS = [{"sentence": "21 % de vos échéances passées ont été payées en retard."}]


def _explanation(model: str, in_force: str, by: str) -> dict:
    return {"decision": in_force, "model_decision": model, "decided_by": by, "reasons": REASONS, "grade": 6,
            "grades": 7}


def test_an_approved_override_is_the_letter_and_drops_the_reasons_against():
    text = render_letter(100121, _explanation("refuse", "accept", "person"), None, "fr", date(2026, 12, 4))
    assert "<strong>acceptée</strong>" in text and "Nous sommes au regret" not in text
    assert "examiné par une personne de notre établissement" in text
    assert REASONS[0]["sentence"] not in text and "Ce qui pourrait changer" not in text


def test_the_models_own_decision_keeps_its_reasons_and_the_right_to_a_person():
    text = render_letter(100112, _explanation("refuse", "refuse", "model"), {"proposals": [], "message": "Aucune."},
                         "fr", date(2026, 12, 4))
    assert "Nous sommes au regret" in text and REASONS[0]["sentence"] in text
    assert "réexaminée par une personne" in text and "Ce qui pourrait changer la décision" in text


def test_a_file_in_review_is_not_called_a_decision_and_promises_nothing():
    text = render_letter(100177, _explanation("review", "review", "model"), {"proposals": [{"sentence": "Emprunter "
                         "moins."}], "message": ""}, "en", date(2026, 12, 4))
    assert "No decision has been taken yet" in text and "This decision was prepared" not in text
    assert "Emprunter moins." not in text and "What could change the decision" not in text


def test_the_letter_names_the_request_the_adviser_and_has_landmarks_and_a4_print():
    request = {"amount": "415\u202f818\u00a0€", "term": "13 mois", "monthly": "32\u202f746\u00a0€"}
    text = render_letter(100112, _explanation("refuse", "refuse", "model"), {"proposals": [{"sentence": "Apport."}],
                         "message": ""}, "fr", date(2026, 12, 4), request=request, adviser="rita")
    assert ("Objet : votre demande de crédit de 415\u202f818\u00a0€, remboursable en 13 mois par mensualités de "
            "32\u202f746\u00a0€.").replace(" :", "\u00a0:") in text
    assert "Votre conseiller\u00a0: rita." in text and "dossier n° 100112" in text
    assert text.index("<header>") < text.index("<main>") < text.index("</main>") < text.index("<footer>")
    assert "@page { size: A4" in text and "ferait passer votre dossier sous notre seuil" in text


def test_a_letter_on_agreed_terms_states_them_and_the_decision_of_their_own_record():
    """The terms a relationship manager recorded are an application of their own: its letter gives the credit, the
    purchase, the down payment, the term and the instalment, and the decision in force of that record (here a
    person's approved acceptance of a model refusal: the model's reasons against are not sent)."""
    from letter import agreed_explanation

    record = {"auto_decision": "refuse", "reasons": [REASONS[0] | {"language": "fr"}],
              "in_force": {"decision": "accept", "by": "person", "status": "final", "actor": "alice", "record": 9}}
    request = {"amount": "377\u202f500\u00a0€", "price": "387\u202f500\u00a0€", "down": "10\u202f000\u00a0€",
               "term": "24 mois", "monthly": "15\u202f729,17\u00a0€"}
    text = render_letter(100112, agreed_explanation(record), None, "fr", date(2026, 12, 5), request=request)
    assert ("Objet\u00a0: votre demande de crédit de 377\u202f500\u00a0€ pour un achat de 387\u202f500\u00a0€, "
            "avec un apport de 10\u202f000\u00a0€, remboursable en 24 mois par mensualités de 15\u202f729,17\u00a0€."
            ) in text
    assert "<strong>acceptée</strong>" in text and "examiné par une personne" in text
    assert REASONS[0]["sentence"] not in text
    refused = render_letter(100112, agreed_explanation(record | {"in_force": {"decision": "refuse", "by": "model"}}),
                            None, "fr", date(2026, 12, 5), request=request)
    assert "Nous sommes au regret" in refused and REASONS[0]["sentence"] in refused
