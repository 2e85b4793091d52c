"""The triage pipeline reads messages the way a pharmacovigilance officer would."""

from __future__ import annotations

import pytest

from hygie.nlp.lang import detect
from hygie.nlp.lexicons import LexiconError, Lexicons
from hygie.nlp.pipeline import Triager, default_triager


@pytest.fixture(scope="module")
def triager() -> Triager:
    return default_triager()


def test_french_and_english_are_told_apart() -> None:
    assert detect("Bonjour, est-ce que vous avez du Doliprane ?") == "fr"
    assert detect("Since I started this medication I have headaches") == "en"
    assert detect("ok") == "fr"  # no clue: the default


def test_a_misspelt_medicine_with_an_event_is_a_possible_adverse_event(triager: Triager) -> None:
    result = triager.triage("Depuis que je prends du dolipranne j'ai des vertiges terribles")
    assert result.products == ("Doliprane",)
    assert result.adverse_event.flag and result.adverse_event.score > 0.5
    assert result.minimum_criteria == {
        "reporter": True,
        "patient": True,
        "product": True,
        "event": True,
    }
    event_words = [e.surface for e in result.evidence["event"]]
    assert "vertiges" in event_words
    product = result.evidence["product"][0]
    assert product.surface == "dolipranne"


def test_slang_names_a_medicine(triager: Triager) -> None:
    assert "Doliprane" in triager.triage("le doli ne me fait plus rien").products
    assert triager.triage("levotirox depuis 3 mois").products == ("Levothyrox",)


def test_a_medicine_named_with_no_event_is_not_an_adverse_event(triager: Triager) -> None:
    result = triager.triage("Bonjour, avez-vous du Doliprane 1000 en stock ?")
    assert result.products == ("Doliprane",)
    assert not result.adverse_event.flag
    assert not result.minimum_criteria["event"]


def test_a_symptom_without_a_medicine_is_not_an_adverse_event(triager: Triager) -> None:
    result = triager.triage("J'ai mal à la tête depuis ce matin, vous ouvrez à quelle heure ?")
    assert not result.adverse_event.flag
    assert result.minimum_criteria["product"] is False


def test_an_event_in_a_child_after_a_vaccine_is_flagged_with_the_child(triager: Triager) -> None:
    result = triager.triage("Ma fille de 4 ans a fait 40 de fièvre après le vaccin ROR")
    assert result.adverse_event.flag
    assert "child" in result.special_situations
    assert result.minimum_criteria["patient"]


def test_pregnancy_is_a_special_situation_only_with_a_medicine(triager: Triager) -> None:
    with_medicine = triager.triage("Je suis enceinte de 3 mois et j'ai pris de l'ibuprofène")
    assert "pregnancy" in with_medicine.special_situations
    without = triager.triage("Je suis enceinte ! Merci pour les conseils de la boutique bébé")
    assert without.special_situations == ()


def test_broken_tablets_are_a_quality_complaint(triager: Triager) -> None:
    result = triager.triage("Les comprimés de Spasfon sont cassés dans la boîte, lot 4F521")
    assert result.quality_complaint


def test_a_threat_is_abuse_whatever_the_model(triager: Triager) -> None:
    result = triager.triage("Je vais vous faire payer, je sais où vous habitez")
    assert result.abusive.flag
    assert "threat" in result.abuse_kinds


def test_a_dose_question_is_a_medical_question(triager: Triager) -> None:
    result = triager.triage("Je peux prendre du Doliprane avec de l'Advil en même temps ?")
    assert result.medical_question


def test_thresholds_are_exposed(triager: Triager) -> None:
    text = "j'ai des boutons, c'est le nouveau traitement ?"
    score = triager.triage(text).adverse_event.score
    strict = Triager(
        ae_threshold=min(0.999, score + 0.001),
        products=triager.products,
        lexicons=triager.lexicons,
        models=triager.models,
    )
    lenient = Triager(
        ae_threshold=max(0.001, score - 0.001),
        products=triager.products,
        lexicons=triager.lexicons,
        models=triager.models,
    )
    assert not strict.triage(text).adverse_event.flag
    assert lenient.triage(text).adverse_event.flag


def test_every_prediction_names_the_model_version(triager: Triager) -> None:
    version = triager.triage("Merci !").model_version
    assert version.startswith("20") and "+lex" in version


def test_evidence_points_at_the_author_s_own_characters(triager: Triager) -> None:
    text = "Œdème et urticaire après l'Augmentin, ÇA GRATTE"
    result = triager.triage(text)
    for items in result.evidence.values():
        for item in items:
            assert text[item.start : item.end] == item.surface


def test_a_malformed_lexicon_names_the_entry() -> None:
    doc = {category: ["x"] for category in ("generic_drug",)}
    with pytest.raises(LexiconError, match="event"):
        Lexicons.from_document(doc)
    with pytest.raises(LexiconError, match=r"unterminated|missing"):
        Lexicons.from_document({**{c: ["x"] for c in _flat()}, "event": ["(oops"], "special": {}})


def _flat() -> tuple[str, ...]:
    from hygie.nlp.lexicons import FLAT

    return FLAT
