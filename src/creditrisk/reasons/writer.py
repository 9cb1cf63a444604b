"""A client's principal reasons: the concepts whose SHAP contributions weigh most in the direction of the decision,
each told as a sentence about the client (``ReasonWriter``)."""

from __future__ import annotations

from typing import Any

from creditrisk.reasons.catalogue import MAX_REASONS, Concept, Reason, ReasonCatalogue


class ReasonWriter:
    """Principal reasons of a model's decisions: concepts of the model's features, medians of the clients."""

    def __init__(self, catalogue: ReasonCatalogue, features: list[str], medians: dict[str, float]) -> None:
        self.catalogue = catalogue
        self.features = features
        self.position = {f: i for i, f in enumerate(features)}
        self.medians = medians
        self.members: dict[str, list[int]] = {}
        for i, feature in enumerate(features):
            self.members.setdefault(catalogue.concept_of(feature).id, []).append(i)

    def concepts(self, shap_row, row: list, language: str) -> list[Reason]:
        """Every concept the model's features belong to, strongest contribution first."""
        out = []
        for concept_id, members in self.members.items():
            contribution = float(sum(shap_row[i] for i in members))
            if contribution == 0:
                continue
            concept = self.catalogue.by_id[concept_id]
            value, median = self._quoted(concept, row, shap_row, members)
            out.append(Reason(concept.id, concept.label[language],
                              self.catalogue.sentence(concept, value, median, language), contribution,
                              [self.features[i] for i in members], concept.sensitive, concept.actionable))
        return sorted(out, key=lambda r: -abs(r.contribution))

    def principal(self, reasons: list[Reason], decision: str, top: int = MAX_REASONS) -> list[Reason]:
        """At most ``top`` reasons in the direction of the decision (against it for a refusal or a review, in
        its favour for an acceptance), never a sensitive one."""
        against = decision in ("refuse", "review")
        return [r for r in reasons if (r.contribution > 0) == against and not r.sensitive][:top]

    def _quoted(self, concept: Concept, row: list, shap_row, members: list[int]) -> tuple[Any, float | None]:
        """(value, median) the sentence quotes: the concept's value feature, or else its strongest member."""
        index = self.position.get(concept.value)
        if index is None:
            index = max(members, key=lambda i: abs(shap_row[i]))
            return row[index], None
        return row[index], self.medians.get(concept.value)
