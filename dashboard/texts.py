"""Every sentence of the dashboard, in French (default) and English."""

from __future__ import annotations

LANGUAGES = {"fr": "Français", "en": "English"}

TEXT: dict[str, dict[str, str]] = {
    "title": {"fr": "Prêt à dépenser — aide à la décision de crédit",
              "en": "Prêt à dépenser — credit decision support"},
    "language": {"fr": "Langue", "en": "Language"},
    "page": {"fr": "Page", "en": "Page"},
    "page_client": {"fr": "Dossier client", "en": "Client file"},
    "page_portfolio": {"fr": "Parcourir les clients", "en": "Browse clients"},
    "page_compare": {"fr": "Comparer des clients", "en": "Compare clients"},
    "page_model": {"fr": "Le modèle", "en": "The model"},
    "page_review": {"fr": "Dossiers à examiner", "en": "Cases to review"},
    "login_title": {"fr": "Connexion", "en": "Log in"},
    "login_intro": {"fr": "Identifiez-vous : chaque décision enregistrée porte le nom de la personne qui l'a prise.",
                    "en": "Please log in: every recorded decision carries the name of the person who took it."},
    "user": {"fr": "Identifiant", "en": "User name"},
    "password": {"fr": "Mot de passe", "en": "Password"},
    "login": {"fr": "Se connecter", "en": "Log in"},
    "logout": {"fr": "Se déconnecter", "en": "Log out"},
    "logged_in": {"fr": "Connecté(e) : **{user}** ({role})", "en": "Logged in: **{user}** ({role})"},
    "role_relationship_manager": {"fr": "chargé(e) de clientèle", "en": "relationship manager"},
    "role_approver": {"fr": "valideur", "en": "approver"},
    "role_auditor": {"fr": "auditeur", "en": "auditor"},
    "api_session": {"fr": "Identifiant ou mot de passe incorrect, ou session expirée : connectez-vous à nouveau.",
                    "en": "Wrong user name or password, or the session has expired: log in again."},
    "api_forbidden": {"fr": "Action refusée : {detail}", "en": "Action refused: {detail}"},
    "of_record": {"fr": "Décision enregistrée", "en": "Decision of record"},
    "record_no": {"fr": "n° {n}", "en": "no. {n}"},
    "estimate": {"fr": "estimation (dossier jamais ouvert)", "en": "estimate (file never opened)"},
    "estimate_note": {"fr": "Une « estimation » n'est pas une décision : elle n'est enregistrée qu'à l'ouverture du "
                            "dossier du client.",
                      "en": "An \"estimate\" is not a decision: it is recorded only when the client's file is "
                            "opened."},
    "scored_from": {"fr": "Évalué sur", "en": "Scored from"},
    "channel_id": {"fr": "le dossier enregistré", "en": "the stored file"},
    "channel_records": {"fr": "des données transmises", "en": "submitted records"},
    "channel_terms": {"fr": "les conditions convenues avec le client ({credit} sur {months})",
                      "en": "the terms agreed with the client ({credit} over {months})"},
    "requested_by": {"fr": "Demandé par", "en": "Requested by"},
    "machine_client": {"fr": "application (clé {key_id})", "en": "application (key {key_id})"},
    "recorded_as": {"fr": "Décision enregistrée sous le n° {n}.", "en": "Decision recorded as no. {n}."},
    "decided_by_person": {"fr": "Décision en vigueur : celle de {actor} (enregistrement n° {n}). Le modèle avait "
                                "proposé « {model} » (n° {first}).",
                          "en": "Decision in force: {actor}'s (record no. {n}). The model had proposed "
                                "\"{model}\" (no. {first})."},
    "in_review": {"fr": "Ce dossier attend la décision d'une personne (enregistrement n° {n}, {actor}). Le modèle "
                        "avait proposé « {model} » (n° {first}).",
                  "en": "This file awaits a person's decision (record no. {n}, {actor}). The model had proposed "
                        "\"{model}\" (no. {first})."},
    "flag_title": {"fr": "Envoyer ce dossier en revue", "en": "Send this file to review"},
    "flag_why": {"fr": "Pourquoi ce dossier doit-il être réexaminé ?", "en": "Why should this file be reviewed?"},
    "flag_send": {"fr": "Envoyer en revue", "en": "Send to review"},
    "flag_done": {"fr": "Dossier envoyé en revue (n° {n}).", "en": "File sent to review (no. {n})."},
    "queue_title": {"fr": "Dossiers en attente d'une décision", "en": "Cases waiting for a decision"},
    "queue_empty": {"fr": "Aucun dossier en attente.", "en": "No case is waiting."},
    "approvals_title": {"fr": "Dérogations en attente de validation (quatre yeux)",
                        "en": "Overrides waiting for approval (four eyes)"},
    "approvals_empty": {"fr": "Aucune dérogation en attente.", "en": "No override is waiting."},
    "case": {"fr": "Dossier", "en": "Case"},
    "case_label": {"fr": "n° {n} — client {client} — PD {pd} — en attente depuis {age}",
                   "en": "no. {n} — client {client} — PD {pd} — waiting for {age}"},
    "waited_minutes": {"fr": "moins d'une heure", "en": "less than an hour"},
    "waited_hours": {"fr": "{n} h", "en": "{n} h"},
    "waited_days": {"fr": "{n} jours", "en": "{n} days"},
    "origin": {"fr": "Origine", "en": "Origin"},
    "origin_model": {"fr": "zone de revue du modèle", "en": "model's review zone"},
    "origin_flag": {"fr": "signalé par {actor}", "en": "flagged by {actor}"},
    "reasons_given": {"fr": "Raisons principales données au client (dans la langue où elles ont été données)",
                      "en": "Principal reasons given to the client (in the language they were given in)"},
    "your_decision": {"fr": "Votre décision", "en": "Your decision"},
    "reason_code": {"fr": "Motif", "en": "Reason"},
    "justification": {"fr": "Justification (obligatoire)", "en": "Justification (mandatory)"},
    "record_decision": {"fr": "Enregistrer la décision", "en": "Record the decision"},
    "decided_final": {"fr": "Décision enregistrée (n° {n}) : elle est définitive.",
                      "en": "Decision recorded (no. {n}): it is final."},
    "decided_pending": {"fr": "Décision enregistrée (n° {n}) : accorder ce crédit au-dessus du seuil est une "
                              "dérogation ; elle attend l'approbation d'une autre personne ayant le rôle de valideur.",
                        "en": "Decision recorded (no. {n}): granting this credit above the threshold is an override; "
                              "it waits for another approver's approval."},
    "four_eyes_note": {"fr": "Accorder un crédit dont la probabilité de défaut atteint le seuil est une dérogation : "
                             "une seconde personne, ayant le rôle de valideur, doit l'approuver. Personne ne valide sa "
                             "propre décision.",
                       "en": "Granting a credit whose probability of default reaches the threshold is an override: a "
                             "second person, an approver, must approve it. Nobody approves their own decision."},
    "grant": {"fr": "Valider la dérogation", "en": "Approve the override"},
    "deny": {"fr": "Refuser la dérogation", "en": "Refuse the override"},
    "approval_done": {"fr": "Validation enregistrée (n° {n}) : décision finale « {decision} ».",
                      "en": "Approval recorded (no. {n}): final decision “{decision}”."},
    "proposed_by": {"fr": "Proposé par {actor} : {decision} — {reason} — « {why} »",
                    "en": "Proposed by {actor}: {decision} — {reason} — “{why}”"},
    "own_case": {"fr": "C'est votre propre décision : une autre personne ayant le rôle de valideur doit l'approuver.",
                 "en": "This is your own decision: another approver must approve it."},
    "read_only": {"fr": "Rôle auditeur : consultation seule.", "en": "Auditor role: read only."},
    "choose": {"fr": "Choisissez…", "en": "Choose…"},
    "missing_decision": {"fr": "Choisissez une décision : accorder ou refuser.", "en": "Choose a decision: grant or "
                         "refuse."},
    "missing_code": {"fr": "Choisissez un motif dans la liste.", "en": "Choose a reason from the list."},
    "short_why": {"fr": "La justification doit faire au moins 10 caractères : dites ce que vous avez vérifié.",
                  "en": "The justification needs at least 10 characters: say what you checked."},
    "not_recorded": {"fr": "Rien n'a été enregistré : {detail}", "en": "Nothing was recorded: {detail}"},
    "open_file": {"fr": "Ouvrir le dossier du client {client}", "en": "Open client {client}'s file"},
    "model_reasons": {"fr": "Ce qui a pesé dans la proposition du modèle :", "en": "What weighed in the model's "
                      "proposal:"},
    "verify_title": {"fr": "Vérifier l'intégrité des décisions enregistrées", "en": "Check the integrity of the "
                     "recorded decisions"},
    "verify_note": {"fr": "Recalcule la chaîne scellée de tous les enregistrements et la compare aux points de "
                          "contrôle tenus hors de la base.",
                    "en": "Recomputes the sealed chain of every record and compares it with the checkpoints kept "
                          "outside the database."},
    "verify_run": {"fr": "Lancer la vérification", "en": "Run the check"},
    "verify_ok": {"fr": "Intègre : {n} enregistrements vérifiés, aucun modifié, supprimé ou ajouté après coup.",
                  "en": "Intact: {n} records checked, none edited, deleted or added afterwards."},
    "verify_broken": {"fr": "Atteinte à l'intégrité : premier enregistrement en cause n° {n} ({problem}).",
                      "en": "Integrity broken: first record concerned no. {n} ({problem})."},
    "history_title": {"fr": "Historique des décisions du client", "en": "The client's decision history"},
    "kind_model": {"fr": "modèle", "en": "model"},
    "kind_flag": {"fr": "mise en revue", "en": "sent to review"},
    "kind_review": {"fr": "décision d'une personne", "en": "a person's decision"},
    "kind_approval": {"fr": "validation", "en": "approval"},
    "when": {"fr": "Date", "en": "Date"},
    "what": {"fr": "Quoi", "en": "What"},
    "who": {"fr": "Qui", "en": "Who"},
    "status": {"fr": "Statut", "en": "Status"},
    "status_final": {"fr": "définitive", "en": "final"},
    "status_pending_review": {"fr": "à examiner", "en": "to review"},
    "status_pending_approval": {"fr": "attend une validation", "en": "waiting for approval"},
    "status_rejected": {"fr": "dérogation refusée", "en": "override refused"},
    "status_repeat": {"fr": "déjà pris en charge (n° {parent})", "en": "already taken up (no. {parent})"},
    "oversight_title": {"fr": "Contrôle humain des décisions", "en": "Human oversight of decisions"},
    "oversight_queue": {"fr": "{n} dossier(s) en attente d'examen ; le plus ancien attend depuis {age}. {a} "
                              "dérogation(s) attendent une validation.",
                        "en": "{n} case(s) waiting for review; the oldest has waited {age}. {a} override(s) wait "
                              "for approval."},
    "oversight_no_queue": {"fr": "Aucun dossier n'attend d'examen ; {a} dérogation(s) attendent une validation.",
                           "en": "No case is waiting for review; {a} override(s) wait for approval."},
    "week": {"fr": "Semaine", "en": "Week"},
    "ov_model": {"fr": "Décisions du modèle", "en": "Model decisions"},
    "ov_alone": {"fr": "Par le modèle seul", "en": "By the model alone"},
    "ov_people": {"fr": "Décisions de personnes", "en": "People's decisions"},
    "ov_favour": {"fr": "Dérogations favorables", "en": "Overrides in favour"},
    "ov_against": {"fr": "Dérogations défavorables", "en": "Overrides against"},
    "ov_rate": {"fr": "Taux de dérogation", "en": "Override rate"},
    "client_id": {"fr": "Numéro du client", "en": "Client number"},
    "client_title": {"fr": "Client n° {client_id}", "en": "Client no. {client_id}"},
    "client": {"fr": "Client", "en": "Client"},
    "client_n": {"fr": "Client n° {n}", "en": "Client no. {n}"},
    "show": {"fr": "Afficher le dossier", "en": "Show the file"},
    "pick_client": {"fr": "Saisissez l'identifiant d'un client, ou choisissez-en un dans « Parcourir les clients ».",
                    "en": "Enter a client id, or pick one in “Browse clients”."},
    "score": {"fr": "Score et décision", "en": "Score and decision"},
    "pd": {"fr": "Probabilité de défaut", "en": "Probability of default"},
    "threshold": {"fr": "Seuil de décision", "en": "Decision threshold"},
    "grade": {"fr": "Classe de risque", "en": "Risk grade"},
    "grade_value": {"fr": "{grade} sur {grades}", "en": "{grade} of {grades}"},
    "grade_note": {"fr": "La classe de risque situe la probabilité de défaut sur l'échelle de notation de la banque, "
                         "de 1 (risque le plus faible) à {grades}.",
                   "en": "The risk grade places the probability of default on the bank's rating scale, from 1 "
                         "(lowest risk) to {grades}."},
    "points": {"fr": "{n} points de pourcentage", "en": "{n} percentage points"},
    "threshold_note": {
        "fr": "Le seuil de décision ({threshold}) est la probabilité de défaut qui minimise le coût des erreurs ; "
              "les dossiers à moins de {band} de ce seuil, de part et d'autre, sont examinés par un conseiller.",
        "en": "The decision threshold ({threshold}) is the probability of default that minimises the cost of "
              "mistakes; files within {band} of it, on either side, are reviewed by an adviser."},
    "gauge_marker": {"fr": "Ce client : {pd}", "en": "This client: {pd}"},
    "decision": {"fr": "Décision", "en": "Decision"},
    "accept": {"fr": "Accordé", "en": "Accepted"},
    "review": {"fr": "À examiner", "en": "To review"},
    "refuse": {"fr": "Refusé", "en": "Refused"},
    "decision_sentence": {
        "fr": "{icon} **{decision}** : probabilité de défaut estimée à **{pd}**. En dessous de {low}, la demande "
              "est accordée ; de {low} à {high}, un conseiller l'examine ; au-delà de {high}, elle est refusée.",
        "en": "{icon} **{decision}**: estimated probability of default **{pd}**. Below {low} the application is "
              "accepted; from {low} to {high} an adviser reviews it; above {high} it is refused."},
    "decision_help": {
        "accept": {"fr": "Le risque est sous le seuil : le crédit peut être accordé.",
                   "en": "The risk is below the threshold: the loan can be granted."},
        "review": {"fr": "Le risque est proche du seuil : une analyse humaine est nécessaire avant de décider.",
                   "en": "The risk is close to the threshold: a person must review the file before deciding."},
        "refuse": {"fr": "Le risque dépasse le seuil : le crédit est refusé.",
                   "en": "The risk is above the threshold: the loan is refused."}},
    "gauge_alt": {"fr": "Jauge : le client est à {pd} ; la zone d'examen va de {low} à {high} ; au-delà de {high}, "
                        "refus.",
                  "en": "Gauge: the client is at {pd}; the review zone runs from {low} to {high}; above {high}, "
                        "refusal."},
    "why": {"fr": "Pourquoi cette décision ?", "en": "Why this decision?"},
    "why_intro": {"fr": "Les éléments du dossier qui ont le plus pesé dans le score de ce client :",
                  "en": "The parts of the file that weighed most in this client's score:"},
    "raises": {"fr": "augmente le risque", "en": "raises the risk"},
    "lowers": {"fr": "diminue le risque", "en": "lowers the risk"},
    "strongly": {"fr": "fortement", "en": "strongly"},
    "moderately": {"fr": "modérément", "en": "moderately"},
    "slightly": {"fr": "légèrement", "en": "slightly"},
    "raises_verb": {"fr": "augmente", "en": "raises"},
    "lowers_verb": {"fr": "diminue", "en": "lowers"},
    "factor_sentence": {"fr": "{arrow} **{label}** (valeur du client : {value}) : {verb} {strength} le risque.",
                        "en": "{arrow} **{label}** (client's value: {value}): {verb} the risk {strength}."},
    "missing": {"fr": "non renseigné", "en": "not provided"},
    "why_against": {"fr": "Ce qui pèse contre la demande (à expliquer au client) :",
                    "en": "What weighs against the application (to explain to the client):"},
    "why_for": {"fr": "Ce qui joue en faveur de la demande (à expliquer au client) :",
                "en": "What works in favour of the application (to explain to the client):"},
    "no_reason": {"fr": "Aucun élément du dossier ne se détache.", "en": "No part of the file stands out."},
    "adviser_view": {"fr": "Tous les facteurs du score (vue conseiller)",
                     "en": "Every factor of the score (adviser view)"},
    "adviser_note": {"fr": "Pour le conseiller : les facteurs marqués « critère sensible » (genre, âge, situation "
                           "familiale, entourage) ne doivent jamais être donnés au client comme motif de la décision.",
                     "en": "For the adviser: factors marked “sensitive” (gender, age, family situation, people "
                           "close to the client) must never be given to the client as a reason for the decision."},
    "sensitive_mark": {"fr": " — ⚠ critère sensible, à ne pas donner comme motif",
                       "en": " — ⚠ sensitive, not to be given as a reason"},
    "sensitive": {"fr": "Critère sensible", "en": "Sensitive"},
    "yes": {"fr": "oui", "en": "yes"},
    "no": {"fr": "non", "en": "no"},
    "change": {"fr": "Ce qui changerait la décision", "en": "What would change the decision"},
    "letter": {"fr": "Lettre au client", "en": "Letter to the client"},
    "letter_note": {"fr": "La décision, ses principaux motifs, ce qui pourrait la changer et le droit du client à un "
                          "réexamen par une personne, prêts à imprimer.",
                    "en": "The decision, its main reasons, what could change it and the client's right to a review by "
                          "a person, ready to print."},
    "letter_download": {"fr": "Télécharger la lettre (à imprimer)", "en": "Download the letter (to print)"},
    "letter_terms_note": {"fr": "Les conditions convenues avec le client sont enregistrées comme une demande à part "
                                "(décision n° {n}, en vigueur : {decision}) : leur lettre reprend ces conditions, "
                                "cette décision et ses motifs.",
                          "en": "The terms agreed with the client are recorded as an application of their own "
                                "(decision no. {n}, in force: {decision}): their letter states those terms, that "
                                "decision and its reasons."},
    "letter_terms_download": {"fr": "Télécharger la lettre sur les conditions convenues (n° {n}, en {written})",
                              "en": "Download the letter on the agreed terms (no. {n}, in {written})"},
    "language_fr": {"fr": "français", "en": "French"},
    "language_en": {"fr": "anglais", "en": "English"},
    "change_intro": {"fr": "Chacune de ces modifications des conditions du prêt suffirait, à elle seule, à faire "
                           "accorder la demande (vérifié par le modèle) :",
                     "en": "Each of these changes of the loan terms would, on its own, get the application accepted "
                           "(checked by the model):"},
    "change_result": {"fr": "Probabilité de défaut : {pd}.", "en": "Probability of default: {pd}."},
    "change_note": {"fr": "Propositions à discuter avec le client ; rien n'est enregistré.",
                    "en": "Proposals to discuss with the client; nothing is saved."},
    "why_alt": {"fr": "Graphique : {up} éléments augmentent le risque, {down} le diminuent ; le plus important est "
                      "« {top} ».",
                "en": "Chart: {up} factors raise the risk, {down} lower it; the most important is “{top}”."},
    "chart_data": {"fr": "Données du graphique (tableau)", "en": "Chart data (table)"},
    "factor": {"fr": "Élément", "en": "Factor"},
    "value": {"fr": "Valeur", "en": "Value"},
    "effect": {"fr": "Effet sur le risque", "en": "Effect on risk"},
    "profile": {"fr": "Informations du client", "en": "Client information"},
    "history": {"fr": "Historique de crédit", "en": "Credit history"},
    "field": {"fr": "Information", "en": "Information"},
    "position": {"fr": "Position du client parmi les autres", "en": "The client among the others"},
    "feature": {"fr": "Caractéristique", "en": "Characteristic"},
    "group_all": {"fr": "Tous les clients", "en": "All clients"},
    "group_accept": {"fr": "Clients accordés", "en": "Accepted clients"},
    "group_refuse": {"fr": "Clients refusés", "en": "Refused clients"},
    "group_similar": {"fr": "Clients similaires", "en": "Similar clients"},
    "similar_definition": {"fr": "« Clients similaires » : les {n} clients les plus proches de celui-ci sur : "
                                 "{fields}.",
                           "en": "“Similar clients”: the {n} clients closest to this one on: {fields}."},
    "this_client": {"fr": "Ce client", "en": "This client"},
    "share_of_group": {"fr": "Part du groupe", "en": "Share of the group"},
    "years": {"fr": "{n} ans", "en": "{n} years"},
    "contract_Cash loans": {"fr": "Prêt personnel", "en": "Cash loan"},
    "contract_Revolving loans": {"fr": "Crédit renouvelable", "en": "Revolving credit"},
    "importance_axis": {"fr": "Part de l'influence sur le score", "en": "Share of the influence on the score"},
    "weight": {"fr": "Part de l'influence", "en": "Share of the influence"},
    "drifted_columns": {"fr": "Colonnes qui ont changé", "en": "Columns that changed"},
    "topic": {"fr": "Thème", "en": "Topic"},
    "api_unknown": {"fr": "Aucun client en production ne porte ce numéro. Vérifiez le numéro saisi.",
                    "en": "No production client has this number. Check the number entered."},
    "position_sentence": {
        "fr": "Ce client : **{value}**, plus que {pct} % des clients. Valeur du milieu (la moitié des clients en "
              "dessous) : tous les clients {all}, accordés {accept}, refusés {refuse}, clients similaires {similar}.",
        "en": "This client: **{value}**, more than {pct}% of clients. Middle value (half of the clients below): all "
              "clients {all}, accepted {accept}, refused {refuse}, similar clients {similar}."},
    "position_categorical": {"fr": "Valeur du client : **{value}** ({share} % des clients ont cette valeur).",
                             "en": "Client's value: **{value}** ({share}% of clients share it)."},
    "whatif": {"fr": "Simulation : négocier les conditions du prêt", "en": "What-if: negotiating the loan terms"},
    "whatif_warning": {"fr": "SIMULATION — une simulation n'enregistre rien ; le dossier déposé par le client est "
                             "inchangé.",
                       "en": "SIMULATION — a simulation saves nothing; the file the client filed is unchanged."},
    "whatif_help": {"fr": "Seules les conditions du prêt se négocient ici : le montant de l'achat financé, l'apport "
                          "du client (déduit du montant emprunté) et la durée en mois ; le crédit est remboursé par "
                          "mensualités égales (montant emprunté ÷ durée, hors intérêts). Un montant plus petit est "
                          "un achat moins cher.",
                    "en": "Only the loan terms are negotiated here: the amount of the purchase financed, the client's "
                          "down payment (taken off the amount borrowed) and the term in months; the credit is repaid "
                          "in equal monthly instalments (amount borrowed ÷ term, interest aside). A smaller amount "
                          "is a cheaper purchase."},
    "whatif_amount": {"fr": "Montant de l'achat financé (€)", "en": "Amount of the purchase financed (€)"},
    "whatif_down": {"fr": "Apport du client (€)", "en": "Client's down payment (€)"},
    "whatif_months": {"fr": "Durée (mois)", "en": "Term (months)"},
    "whatif_down_row": {"fr": "Apport du client", "en": "Client's down payment"},
    "whatif_months_row": {"fr": "Durée", "en": "Term"},
    "whatif_credit": {"fr": "Montant emprunté", "en": "Amount borrowed"},
    "whatif_instalment": {"fr": "Mensualité", "en": "Monthly instalment"},
    "whatif_requested": {"fr": "Demande", "en": "As requested"},
    "whatif_simulated": {"fr": "Simulation", "en": "Simulated"},
    "whatif_no_terms": {"fr": "Ce dossier n'indique pas de montant ou de mensualité : rien à négocier.",
                        "en": "This file gives no amount or instalment: nothing to negotiate."},
    "whatif_unchanged": {"fr": "Rien n'a changé : modifiez le montant, l'apport ou la durée.",
                         "en": "Nothing changed: change the amount, the down payment or the term."},
    "whatif_bad_amount": {"fr": "Le montant de l'achat doit être supérieur à 0 €.",
                          "en": "The amount of the purchase must be above €0."},
    "whatif_bad_down": {"fr": "L'apport doit être compris entre 0 € et le montant de l'achat (exclu).",
                        "en": "The down payment must be from €0 up to less than the amount of the purchase."},
    "whatif_bad_months": {"fr": "La durée doit être d'au moins 1 mois.", "en": "The term must be at least 1 month."},
    "whatif_refused": {"fr": "Ces conditions sortent des limites du produit, la simulation n'est pas faite. Détail "
                             "technique : {detail}",
                       "en": "These terms are outside the product's limits; nothing was simulated. Technical "
                             "detail: {detail}"},
    "number_invalid": {"fr": "« {text} » n'est pas un nombre : écrivez par exemple 415 818 ou 415 818,50.",
                       "en": "\"{text}\" is not a number: write for example 415,818 or 415,818.50."},
    "number_dot": {"fr": "« {text} » : en français, les milliers sont séparés par une espace et les décimales par une "
                         "virgule (415 818,50).",
                   "en": "\"{text}\": not a number."},
    "months": {"fr": "{n} mois", "en": "{n} months"},
    "months_about": {"fr": "environ {n} mois", "en": "about {n} months"},
    "month_one": {"fr": "1 mois", "en": "1 month"},
    "month_one_about": {"fr": "environ 1 mois", "en": "about 1 month"},
    "whatif_rises": {"fr": "Le modèle donne ici une probabilité de défaut plus élevée pour un montant emprunté plus "
                           "petit sur la même durée : ce modèle n'a pas été contraint à faire baisser le risque avec "
                           "le montant. La décision suit la probabilité du modèle.",
                     "en": "Here the model gives a higher probability of default for a smaller amount borrowed over "
                           "the same term: this model was not constrained to lower the risk with the amount. The "
                           "decision follows the model's probability."},
    "simulate": {"fr": "Recalculer le score", "en": "Re-score"},
    "terms_record_help": {"fr": "Si le client accepte ces conditions, enregistrez-les : elles deviennent sa demande, "
                                "décidée par le modèle comme toute demande (un dossier dans la zone d'examen attend "
                                "une personne). La demande telle qu'elle a été déposée garde sa propre décision.",
                          "en": "If the client agrees to these terms, record them: they become the client's "
                                "application, decided by the model as any application (a case in the review zone "
                                "waits for a person). The application as first filed keeps its own decision."},
    "terms_record": {"fr": "Enregistrer ces conditions comme demande du client",
                     "en": "Record these terms as the client's application"},
    "terms_recorded": {"fr": "Conditions enregistrées (décision n° {id}) — résultat : {decision} ; probabilité de "
                             "défaut {pd}.",
                       "en": "Terms recorded (decision no. {id}) — outcome: {decision}; probability of default {pd}."},
    "terms_already": {"fr": "Ces conditions étaient déjà enregistrées (décision n° {id}) — résultat : {decision} ; "
                            "probabilité de défaut {pd}.",
                      "en": "These terms were already recorded (decision no. {id}) — outcome: {decision}; "
                            "probability of default {pd}."},
    "whatif_result": {"fr": "Simulation : {before} → **{after}** ({decision_before} → **{decision_after}**).",
                      "en": "Simulation: {before} → **{after}** ({decision_before} → **{decision_after}**)."},
    "filters": {"fr": "Filtres", "en": "Filters"},
    "any": {"fr": "Tous", "en": "Any"},
    "contract": {"fr": "Type de contrat", "en": "Contract type"},
    "income_band": {"fr": "Tranche de revenus mensuels", "en": "Monthly income band"},
    "age_band": {"fr": "Tranche d'âge", "en": "Age band"},
    "pd_range": {"fr": "Probabilité de défaut (plage)", "en": "Probability of default (range)"},
    "apply": {"fr": "Appliquer", "en": "Apply"},
    "found": {"fr": "{total} client(s) trouvé(s) ; {shown} affiché(s).",
              "en": "{total} client(s) found; {shown} shown."},
    "open_client": {"fr": "Ouvrir le dossier de", "en": "Open the file of"},
    "open": {"fr": "Ouvrir", "en": "Open"},
    "compare_ids": {"fr": "Clients à comparer (identifiants séparés par des virgules)",
                    "en": "Clients to compare (ids separated by commas)"},
    "compare": {"fr": "Comparer", "en": "Compare"},
    "scatter": {"fr": "Deux caractéristiques croisées", "en": "Two characteristics together"},
    "x_axis": {"fr": "Axe horizontal", "en": "Horizontal axis"},
    "y_axis": {"fr": "Axe vertical", "en": "Vertical axis"},
    "scatter_alt": {"fr": "Nuage de {n} clients (forme et couleur selon la décision) ; les clients comparés sont "
                          "marqués d'une étoile noire et de leur identifiant.",
                    "en": "Scatter of {n} clients (shape and colour by decision); the compared clients are marked "
                          "with a black star and their id."},
    "model_title": {"fr": "Le modèle de scoring", "en": "The scoring model"},
    "model_version": {"fr": "Version du modèle", "en": "Model version"},
    "train_rows": {"fr": "Dossiers d'apprentissage", "en": "Files learnt from"},
    "auc": {"fr": "AUC (test)", "en": "AUC (holdout)"},
    "cost": {"fr": "Coût métier par client (test)", "en": "Cost per client (holdout)"},
    "holdout_indicative": {"fr": "Chiffres indicatifs : l'échantillon de test ne compte que {n} défauts, moins des "
                                 "{min} nécessaires pour un verdict.",
                           "en": "Indicative figures: the holdout holds only {n} defaults, fewer than the {min} needed "
                                 "for a verdict."},
    "costs_sentence": {
        "fr": "Un client accordé qui fait défaut coûte {fn} fois plus qu'un bon client refusé : le seuil de "
              "décision de {threshold} minimise ce coût. Les dossiers à moins de {band} du seuil, de part et "
              "d'autre, sont examinés par un conseiller.",
        "en": "An accepted client who defaults costs {fn} times as much as a refused good client: the decision "
              "threshold of {threshold} minimises that cost. Files within {band} of it, on either side, are "
              "reviewed by an adviser."},
    "importance": {"fr": "Ce qui compte le plus pour le modèle (tous clients)",
                   "en": "What matters most to the model (all clients)"},
    "importance_alt": {"fr": "Les trois thèmes les plus influents sont : {top}.",
                       "en": "The three most influential factors are: {top}."},
    "drift": {"fr": "Dérive des données (clients en production vs données d'apprentissage)",
              "en": "Data drift (production clients vs training data)"},
    "drift_sentence": {"fr": "{n} colonne(s) sur {total} ont changé de distribution ({share} %), par thème :",
                       "en": "{n} of {total} columns changed distribution ({share}%), by topic:"},
    "drift_no_verdict": {"fr": "Pas de verdict : {rows} clients en production, moins des {min} nécessaires pour juger "
                               "une dérive. À titre indicatif, {n} colonne(s) sur {total} diffèrent ({share} %), par "
                               "thème :",
                         "en": "No verdict: {rows} production clients, fewer than the {min} needed to judge drift. "
                               "For information, {n} of {total} columns differ ({share}%), by topic:"},
    "api_down": {"fr": "Le service de scoring est injoignable ({url}). Réessayez dans un instant ; si le problème "
                       "persiste, prévenez le support.",
                 "en": "The scoring service cannot be reached ({url}). Try again in a moment; if it persists, tell "
                       "support."},
    "api_slow": {"fr": "Le service de scoring ne répond pas assez vite. Réessayez dans un instant.",
                 "en": "The scoring service is too slow to answer. Try again in a moment."},
    "none": {"fr": "—", "en": "—"},
    "api_auth": {"fr": "Le tableau de bord n'est pas autorisé à interroger le service (clé d'API). Prévenez le "
                       "support.",
                 "en": "The dashboard is not allowed to query the service (API key). Tell support."},
    "api_refused": {"fr": "Le service a refusé la demande : une valeur saisie n'est pas acceptée. Vérifiez les "
                          "montants et les nombres saisis. (Détail technique, en anglais : {detail})",
                    "en": "The service refused the request: a value entered is not accepted. Check the amounts and "
                          "numbers entered. (Technical detail: {detail})"},
    "api_error": {"fr": "Le service de scoring a rencontré une erreur. Réessayez ; si elle persiste, prévenez le "
                        "support.",
                  "en": "The scoring service hit an error. Try again; if it persists, tell support."},
    "simulation_fields": {"fr": "Champs modifiables", "en": "Fields you can change"},
}

ICONS = {"accept": "✅", "review": "⚠️", "refuse": "⛔"}
ARROWS = {True: "▲", False: "▼"}


def t(key: str, language: str, **values: object) -> str:
    text = TEXT[key][language]
    return text.format(**values) if values else text


def term(months: float, language: str) -> str:
    """A term in whole months; « environ » when it is the file's credit ÷ instalment, not a whole number (17 x the
    instalment is then not the credit exactly)."""
    whole = round(months)
    key = ("month_one" if whole == 1 else "months") + ("" if abs(months - whole) < 0.01 else "_about")
    return t(key, language, n=f"{whole:.0f}")


def waited(hours: float, language: str) -> str:
    """How long a case has waited, as a person says it: under an hour, in hours up to two days, then in days."""
    if hours < 1:
        return t("waited_minutes", language)
    if hours < 48:
        return t("waited_hours", language, n=f"{hours:.0f}")
    return t("waited_days", language, n=f"{hours / 24:.0f}")


def decision_help(decision: str, language: str) -> str:
    return TEXT["decision_help"][decision][language]


# Streamlit's own English words (its buttons' names, tooltips and placeholders), as the page shows them in French
STREAMLIT_WORDS = {"fr": {
    "Open": "Ouvrir", "Close": "Fermer", "Choose an option": "Choisissez…", "Choose options": "Choisissez…",
    "Download as CSV": "Télécharger (CSV)", "Search": "Rechercher", "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran", "Clear all": "Tout effacer", "Clear value": "Effacer",
    "Select all": "Tout sélectionner", "No results": "Aucun résultat", "Show password": "Afficher le mot de passe",
    "Hide password": "Masquer le mot de passe", "Remove": "Retirer", "View fullscreen": "Plein écran",
    "Exit fullscreen": "Quitter le plein écran"}}
