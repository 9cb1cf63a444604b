"""The reason catalogue: every feature covered in both languages, sentences a person can read, human units."""

import re

import pytest

from creditrisk.data import schema
from creditrisk.features import catalogue
from creditrisk.reasons.catalogue import LANGUAGES, SENTENCE_KINDS, Reason, load_catalogue
from creditrisk.reasons.writer import ReasonWriter

RAW_NAME = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")  # EXT_SOURCE_MEAN, NAME_SELLER_INDUSTRY...
UNITS = {"share", "amount", "count", "score", "years", "months", "days_ago", "days", "hour", "number",
         "category", "times"}
ENGLISH_CATEGORIES = re.compile(r"\b(Cash loans|Revolving loans|Working|Married|House / apartment)\b")
FRENCH_WORDS = re.compile(r"\b(de|des|vos|votre|nous|clients de)\b")


def test_every_feature_of_the_builder_belongs_to_a_concept_with_both_languages():
    reasons = load_catalogue()
    names = {f.name for f in catalogue()}
    concepts = {reasons.concept_of(name).id for name in names}
    assert concepts == {c.id for c in reasons.concepts}  # and no concept is dead
    for concept in reasons.concepts:
        assert set(concept.label) == set(LANGUAGES) and all(concept.label.values())
        assert concept.value in names and concept.unit in UNITS, concept.id
        assert set(concept.sentences) <= set(SENTENCE_KINDS)
        for kind, text in concept.sentences.items():
            assert set(text) == set(LANGUAGES), (concept.id, kind)


def _sentences():
    """Every concept told in every case, both languages, with values chosen to reach each case."""
    reasons = load_catalogue()
    for concept in reasons.concepts:
        if concept.unit == "category":  # every level the data can hold, each translated
            values = list(schema.table("application_test").column(concept.value).categories)
            assert set(values) <= set(reasons.categories[concept.value]), concept.id
        else:
            values = [0.0, 1.0, 0.35, 3.0, None]
        for value in values:
            for median in (None, 0.0, 0.2):
                for language in LANGUAGES:
                    yield concept, language, reasons.sentence(concept, value, median, language)


def test_sentences_read_as_sentences_in_both_languages():
    seen = 0
    for concept, language, text in _sentences():
        seen += 1
        where = f"{concept.id} ({language}): {text!r}"
        assert text[0].isupper() or text[0].isdigit(), where
        assert text.endswith("."), where
        assert "{" not in text and "}" not in text, where
        assert not RAW_NAME.search(text), where
        assert "  " not in text and " ." not in text and " ," not in text and ".." not in text, where
        if language == "fr":
            assert not re.search(r"\bde les\b|\bde le\b|\bà le\b|\bà les\b", text), where
            assert "du demandeur du demandeur" not in text and not ENGLISH_CATEGORIES.search(text), where
            assert not re.search(r"[^\u00a0\u202f][:;]", text), where  # French: no-break space before : and ;
        else:
            assert not FRENCH_WORDS.search(text), where
    assert seen > 500


@pytest.mark.parametrize(("value", "unit", "column", "fr", "en"), [
    (0.213, "share", "", "21\u00a0%", "21%"),
    (103500.0, "amount", "", "103\u202f500\u00a0€", "103,500\u00a0€"),
    (12.0, "count", "", "12", "12"),
    (0.43, "score", "", "43 sur 100", "43 out of 100"),
    (34.25, "years", "", "34 ans", "34 years"),
    (2.08, "years", "", "2 ans et 1 mois", "2 years and 1 month"),
    (0.5, "years", "", "6 mois", "6 months"),
    (20.4, "months", "", "20 mois", "20 months"),
    (1.0, "months", "", "1 mois", "1 month"),
    (-426.0, "days_ago", "", "il y a 14 mois", "14 months ago"),
    (14.0, "hour", "", "14\u00a0h", "14:00"),
    (0.0, "days", "", "0 jour", "0 days"),  # French singular for 0 and 1
    (1.0, "days", "", "1 jour", "1 day"),
    (12.0, "days", "", "12 jours", "12 days"),
    ("Cash loans", "category", "NAME_CONTRACT_TYPE", "prêt personnel", "cash loan"),
    (None, "amount", "", "non renseigné", "not given"),
])
def test_values_in_human_units(value, unit, column, fr, en):
    reasons = load_catalogue()
    assert reasons.format(value, unit, "fr", column) == fr and reasons.format(value, unit, "en", column) == en


def test_a_sentence_chooses_its_case_from_the_value_and_the_median():
    reasons = load_catalogue()
    late = reasons.by_id["late_payments"]
    assert reasons.sentence(late, 0.21, 0.04, "en") == ("21% of your past instalments with us were paid late; for half "
                                                        "of our clients it is 4% or less.")
    assert reasons.sentence(late, 0.0, 0.0, "fr") == "Vos échéances passées chez nous ont toutes été payées à temps."
    assert reasons.sentence(late, None, 0.04, "en").startswith("We do not yet have a record")
    refused = reasons.by_id["refused_applications"]
    assert "most of our clients have never had one refused" in reasons.sentence(refused, 2, 0.0, "en")
    region = reasons.by_id["region"]  # a rating of 1 to 3 said as one, not as a decimal
    assert reasons.sentence(region, 3, 2, "fr") == ("La région où vous habitez est classée 3 sur 3 par notre barème "
                                                    "(1 est la plus favorable)\u202f; pour la moitié de nos clients, "
                                                    "c'est 2 au plus.")
    terms = reasons.by_id["loan_terms"]  # equal once rounded to whole months: told with one decimal
    assert reasons.sentence(terms, 16.94, 16.62, "fr") == ("Au rythme de remboursement demandé, le crédit serait "
                                                           "remboursé en 16,9 mois environ\u202f; pour la moitié de "
                                                           "nos clients, c'est 16,6 mois au plus.")
    assert reasons.sentence(terms, 24.2, 16.6, "en").startswith("At the repayment rate requested, the credit would "
                                                                "be repaid in about 24 months;")
    car = reasons.by_id["car"]  # a category: its written sentence, not "Car: no."
    assert reasons.sentence(car, "N", None, "en") == "Owns a car: no."
    assert reasons.sentence(car, "Y", None, "fr") == "Possession d'une voiture\u00a0: oui."
    housing = reasons.by_id["housing"]  # no written sentence: the rule, the category named in the language
    assert reasons.sentence(housing, "Rented apartment", None, "fr") == "Logement\u00a0: location."


def test_principal_reasons_follow_the_decision_and_never_give_a_sensitive_one():
    writer = ReasonWriter(load_catalogue(), ["INSTAL_LATE_MEAN"], {})

    def reason(concept, contribution, sensitive=False):
        return Reason(concept, concept, f"{concept}.", contribution, [], sensitive, False)

    ranked = [reason("late", 0.5), reason("age", 0.4, sensitive=True), reason("scores", -0.3), reason("job", 0.2),
              reason("debt", 0.1), reason("region", 0.05), reason("terms", 0.01), reason("car", -0.01)]
    against = writer.principal(ranked, "refuse")
    assert [r.concept for r in against] == ["late", "job", "debt", "region"]
    assert [r.concept for r in writer.principal(ranked, "review", top=2)] == ["late", "job"]
    assert [r.concept for r in writer.principal(ranked, "accept")] == ["scores", "car"]


def test_written_count_sentences_agree_with_one():
    """"1 de vos demandes ... ont été refusées" is wrong: a count of 1 has its own sentence where plurals agree."""
    reasons = load_catalogue()
    for concept in reasons.concepts:
        if concept.written and concept.unit == "count":
            assert "one" in concept.sentences, concept.id
            for language in LANGUAGES:
                assert not reasons.sentence(concept, 1.0, 0.0, language).startswith("1 "), concept.id


def test_every_category_a_client_file_shows_is_named_in_both_languages():
    """Each category field of the client file (occupation included): every level the schema allows has a French and
    an English name, and the French one is never the English value left as it was."""
    reasons = load_catalogue()
    shown = [f for f, spec in reasons.fields.items() if spec["unit"] == "category" and f != "CODE_GENDER"]
    assert "OCCUPATION_TYPE" in shown
    for field in shown:
        levels = set(schema.table("application_test").column(field).categories)
        named = reasons.categories.get(field, {})
        assert levels <= set(named), (field, sorted(levels - set(named)))
        assert all(named[v]["fr"] != v and set(named[v]) == {"fr", "en"} for v in levels if v not in ("Y", "N")), field
