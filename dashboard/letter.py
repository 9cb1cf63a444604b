"""The decision letter for the client: an HTML page to print (French or English), from the API's answers only.

It states the decision, the principal reasons (never a sensitive one: the API leaves them out), what would change
the decision, and the client's right to ask for the decision to be reviewed by a person.
"""

from __future__ import annotations

import html
from datetime import date

TEXT = {
    "title": {"fr": "Réponse à votre demande de crédit", "en": "Answer to your credit application"},
    "file": {"fr": "Dossier n° {client_id} — {day}", "en": "File no. {client_id} — {day}"},
    "to": {"fr": "À l'attention de : ……………………………… (nom du client, tel qu'il figure au dossier)",
           "en": "For the attention of: ……………………………… (the client's name, as on the file)"},
    "request": {"fr": "Objet : votre demande de crédit de {amount}, remboursable en {term} par mensualités de "
                      "{monthly}.",
                "en": "Subject: your credit application for {amount}, repayable over {term} in monthly instalments "
                      "of {monthly}."},
    "request_down": {"fr": "Objet : votre demande de crédit de {amount} pour un achat de {price}, avec un apport de "
                           "{down}, remboursable en {term} par mensualités de {monthly}.",
                     "en": "Subject: your credit application for {amount} towards a purchase of {price}, with a down "
                           "payment of {down}, repayable over {term} in monthly instalments of {monthly}."},
    "hello": {"fr": "Madame, Monsieur,", "en": "Dear client,"},
    "accept": {"fr": "Nous avons le plaisir de vous informer que votre demande de crédit est "
                     "<strong>acceptée</strong>.",
               "en": "We are pleased to inform you that your credit application is <strong>accepted</strong>."},
    "review": {"fr": "Votre demande de crédit est <strong>en cours d'examen</strong> par un conseiller, qui vous "
                     "recontactera pour en parler avec vous avant toute décision.",
               "en": "Your credit application is <strong>being reviewed</strong> by an adviser, who will contact you "
                     "to discuss it with you before any decision."},
    "refuse": {"fr": "Nous sommes au regret de vous informer que nous ne pouvons pas donner une suite favorable à "
                     "votre demande de crédit dans ses conditions actuelles.",
               "en": "We regret to inform you that we cannot accept your credit application on its current terms."},
    "reasons_against": {"fr": "Les principaux éléments de votre dossier qui ont pesé sur cette décision :",
                        "en": "The main parts of your file that weighed on this decision:"},
    "reasons_review": {"fr": "Les éléments de votre dossier que votre conseiller examinera avec vous :",
                       "en": "The parts of your file your adviser will go through with you:"},
    "reasons_for": {"fr": "Les principaux éléments de votre dossier qui ont joué en votre faveur :",
                    "en": "The main parts of your file that worked in your favour:"},
    "change": {"fr": "Ce qui pourrait changer la décision :", "en": "What could change the decision:"},
    "change_each": {"fr": "Chacune de ces modifications du prêt, à elle seule, ferait passer votre dossier sous notre "
                          "seuil de risque ; votre conseiller peut en étudier une avec vous, sans engagement de notre "
                          "part avant un nouvel examen :",
                    "en": "Each of these changes to the loan would, on its own, bring your file under our risk limit; "
                          "your adviser can go through one with you, with no commitment on our part before a new "
                          "review:"},
    "by_person": {"fr": "Votre dossier a été examiné par une personne de notre établissement, qui a pris cette "
                        "décision.",
                  "en": "Your file was reviewed by a person of our company, who took this decision."},
    "grade": {"fr": "Classe de risque attribuée à votre dossier : {grade} sur une échelle de 1 (risque le plus "
                    "faible) à {grades}.",
              "en": "Risk grade given to your file: {grade} on a scale from 1 (lowest risk) to {grades}."},
    "human": {"fr": "Cette décision a été préparée à l'aide d'un outil d'évaluation du risque de crédit. Vous avez le "
                    "droit de demander qu'elle soit réexaminée par une personne, de présenter vos observations et "
                    "d'obtenir des explications complémentaires : il suffit de contacter votre conseiller.",
              "en": "This decision was prepared with the help of a credit-risk assessment tool. You have the right to "
                    "ask for it to be reviewed by a person, to give your point of view and to obtain further "
                    "explanations: simply contact your adviser."},
    "human_review": {"fr": "Aucune décision n'est encore prise : une personne examinera votre dossier, et vous "
                           "pourrez lui présenter vos observations.",
                     "en": "No decision has been taken yet: a person will review your file, and you will be able to "
                           "give them your point of view."},
    "human_person": {"fr": "Vous pouvez présenter vos observations et obtenir des explications complémentaires : "
                           "il suffit de contacter votre conseiller.",
                     "en": "You can give your point of view and obtain further explanations: simply contact your "
                           "adviser."},
    "regards": {"fr": "Nous vous prions d'agréer, Madame, Monsieur, nos salutations distinguées.",
                "en": "Yours sincerely,"},
    "signature": {"fr": "Prêt à dépenser — votre conseiller", "en": "Prêt à dépenser — your adviser"},
    "contact": {"fr": "{adviser}Pour demander un réexamen, répondez à ce courrier ou prenez rendez-vous dans votre "
                      "agence en rappelant le dossier n° {client_id}.",
                "en": "{adviser}To ask for a review, reply to this letter or make an appointment at your branch "
                      "quoting file no. {client_id}."},
    "contact_review": {"fr": "{adviser}Pour toute question, répondez à ce courrier ou prenez rendez-vous dans votre "
                             "agence en rappelant le dossier n° {client_id}.",
                       "en": "{adviser}For any question, reply to this letter or make an appointment at your branch "
                             "quoting file no. {client_id}."},
    "adviser": {"fr": "Votre conseiller : {name}. ", "en": "Your adviser: {name}. "},
}

def agreed_explanation(record: dict) -> dict:
    """What the letter needs of a recorded application (a /decisions/history record: the terms agreed with the
    client): the decision in force of its case, the model's, who took it, and the principal reasons recorded with
    it (in the language they were written in)."""
    force = record["in_force"]
    return {"decision": force["decision"], "model_decision": record["auto_decision"], "decided_by": force["by"],
            "reasons": record["reasons"] or []}


STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1a1a1a; max-width: 44em; margin: 2em auto;
       line-height: 1.5; font-size: 12pt; }
h1 { font-size: 16pt; margin-bottom: 0.2em; }
.file { color: #404040; margin-top: 0; }
li { margin-bottom: 0.4em; }
.human { border-left: 4px solid #0072B2; padding-left: 0.8em; }
footer { margin-top: 2em; border-top: 1px solid #808080; padding-top: 0.5em; font-size: 10.5pt; }
@page { size: A4; margin: 2cm; }
@media print { body { margin: 0; max-width: none; } }
"""


def render_letter(client_id: int, explanation: dict, change: dict | None, language: str,
                  day: date | None = None, request: dict | None = None, adviser: str | None = None) -> str:
    """The letter as a complete HTML page (``lang`` set to its language), A4 when printed. ``request``: the
    amount, term and monthly instalment as the file shows them (the /client answer's ``display`` texts), with the
    purchase's ``price`` and the ``down`` payment for terms agreed with one."""
    def say(key: str, **values: object) -> str:
        text = TEXT[key][language].format(**values)
        return text.replace(" :", "\u00a0:").replace(" ;", "\u202f;") if language == "fr" else text

    decision = explanation["decision"]
    day = day or date.today()
    day_text = day.strftime("%d/%m/%Y") if language == "fr" else f"{day.day} {day:%B %Y}"
    head = [f"<h1>{say('title')}</h1>", f"<p class='file'>{say('file', client_id=client_id, day=day_text)}</p>",
            f"<p>{say('to')}</p>"]
    if request:
        head.append(f"<p>{html.escape(say('request_down' if 'down' in request else 'request', **request))}</p>")
    parts = [f"<p>{say('hello')}</p>", f"<p>{say(decision)}</p>"]
    if "grade" in explanation:
        parts.append(f"<p>{say('grade', grade=explanation['grade'], grades=explanation['grades'])}</p>")
    by_person = explanation.get("decided_by") == "person" and decision != "review"
    if by_person:
        parts.append(f"<p>{say('by_person')}</p>")
    if explanation["reasons"] and decision == explanation.get("model_decision", decision):  # the model's reasons
        heading = {"refuse": "reasons_against", "review": "reasons_review", "accept": "reasons_for"}[decision]
        parts.append(f"<p>{say(heading)}</p>")
        parts.append("<ul>" + "".join(f"<li>{html.escape(r['sentence'])}</li>" for r in explanation["reasons"])
                     + "</ul>")
    if decision == "refuse" and change is not None:  # a final refusal only: a file in review is not decided
        parts.append(f"<p>{say('change')}</p>")
        if change["proposals"]:
            parts.append(f"<p>{say('change_each')}</p><ul>"
                         + "".join(f"<li>{html.escape(p['sentence'])}</li>" for p in change["proposals"]) + "</ul>")
        else:
            parts.append(f"<p>{html.escape(change['message'])}</p>")
    human = "human_review" if decision == "review" else "human_person" if by_person else "human"
    parts += [f"<p class='human'>{say(human)}</p>", f"<p>{say('regards')}</p>", f"<p>{say('signature')}</p>"]
    named = say("adviser", name=html.escape(adviser)) if adviser else ""
    contact = say("contact_review" if decision == "review" else "contact", adviser=named, client_id=client_id)
    body = (f"<header>{''.join(head)}</header>\n<main>\n" + "\n".join(parts)
            + f"\n</main>\n<footer><p>{contact}</p></footer>")
    return (f"<!DOCTYPE html>\n<html lang='{language}'>\n<head><meta charset='utf-8'><title>{say('title')}</title>"
            f"<style>{STYLE}</style></head>\n<body>\n{body}\n</body>\n</html>\n")
