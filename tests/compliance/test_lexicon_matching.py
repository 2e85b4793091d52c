"""The medicine lexicon in free French text: brand names and INNs found with their
prescription status, whatever their case, their hashtag or a slip of spelling, and never in
ordinary words (reading the BDPM and building the lexicon: test_lexicon.py). Pure Python, no
database."""

from __future__ import annotations

import pytest

from hygie.compliance.lexicon.matcher import LexiconEntry, ProductLexicon, osa_distance

from .helpers import spans


@pytest.fixture(scope="module")
def lexicon() -> ProductLexicon:
    return ProductLexicon.load_default()


# -- matcher on the shipped lexicon --------------------------------------------------------------


def test_a_brand_is_found_whatever_its_case_with_its_status(lexicon: ProductLexicon) -> None:
    text = "J'ai pris un Doliprane ce matin."
    [mention] = lexicon.find(text)
    assert (mention.start, mention.end, mention.surface) == (13, 22, "Doliprane")
    assert (mention.name, mention.kind, mention.inns) == ("DOLIPRANE", "brand", ("paracétamol",))
    assert mention.status == "none" and mention.otc and mention.distance == 0


def test_a_hashtag_a_plural_and_capitals_are_found(lexicon: ProductLexicon) -> None:
    text = "#doliprane partout, plus de DOLIPRANES en stock !"
    assert spans(text, lexicon.find(text)) == [
        ("doliprane", "DOLIPRANE"),
        ("DOLIPRANES", "DOLIPRANE"),
    ]
    assert lexicon.find(text)[0].start == 1  # the span leaves the # out


def test_a_camel_case_hashtag_is_split(lexicon: ProductLexicon) -> None:
    text = "Ras-le-bol #StopDoliprane"
    assert spans(text, lexicon.find(text)) == [("Doliprane", "DOLIPRANE")]


def test_a_brand_spelt_in_its_own_camel_case_is_one_name(lexicon: ProductLexicon) -> None:
    text = "Mon stylo de NovoRapid et une boîte d'EllaOne"
    assert spans(text, lexicon.find(text)) == [
        ("NovoRapid", "NOVORAPID"),
        ("EllaOne", "ELLAONE"),
    ]


def test_a_misspelt_brand_is_found_with_its_distance(lexicon: ProductLexicon) -> None:
    text = "du dolipranne svp"
    [mention] = lexicon.find(text)
    assert (mention.surface, mention.name, mention.distance) == ("dolipranne", "DOLIPRANE", 1)
    assert (mention.start, mention.end) == (3, 13)


def test_a_misspelt_levothyrox_is_found_as_a_list_ii_brand(lexicon: ProductLexicon) -> None:
    assert lexicon.lookup("LEVOTHYROX") is not None
    text = "Mon levotirox a changé de formule ?"
    [mention] = lexicon.find(text)
    assert spans(text, [mention]) == [("levotirox", "LEVOTHYROX")]
    assert mention.status == "liste_ii" and not mention.otc
    assert mention.distance == osa_distance("levotirox", "levothyrox", 2) == 2


def test_inns_are_found_with_or_without_accents(lexicon: ProductLexicon) -> None:
    text = "Ibuprofène ou paracetamol, lequel prendre ? L'ibuprofene aussi."
    found = lexicon.find(text)
    assert spans(text, found) == [
        ("Ibuprofène", "ibuprofène"),
        ("paracetamol", "paracétamol"),
        ("ibuprofene", "ibuprofène"),
    ]
    assert {m.kind for m in found} == {"inn"}
    assert found[1].otc and "none" in found[1].statuses


def test_multi_word_names_are_matched_as_a_whole(lexicon: ProductLexicon) -> None:
    text = "Spasfon lyoc ou spasfon ? Et l'acide acétylsalicylique ?"
    assert spans(text, lexicon.find(text)) == [
        ("Spasfon lyoc", "SPASFON LYOC"),
        ("spasfon", "SPASFON"),
        ("acide acétylsalicylique", "acide acétylsalicylique"),
    ]


def test_narcotics_and_prescription_only_medicines_are_reported_as_such(
    lexicon: ProductLexicon,
) -> None:
    found = {m.name: m for m in lexicon.find("morphine, Xanax et Biafine")}
    assert found["morphine"].status == "stupefiant"
    assert found["XANAX"].status == "liste_i" and not found["XANAX"].otc
    assert found["BIAFINE"].status == "none" and found["BIAFINE"].otc


def test_nothing_is_found_in_ordinary_words_or_inside_longer_words(
    lexicon: ProductLexicon,
) -> None:
    for text in [
        "Tout va bien, merci !",
        "BIEN reçu, on s'en occupe.",
        "Un comportement paracétamolien, vraiment ?",
        "superefferalganxyz et xEfferalganx ne sont pas des noms de médicaments",
        "dolipranerie",
    ]:
        assert lexicon.find(text) == [], text


def test_links_count_only_when_they_name_the_product_exactly(lexicon: ProductLexicon) -> None:
    # A link to a product page is an indirect reference to the medicine: reported.
    text = "Infos sur https://www.doliprane.fr/posologie"
    assert spans(text, lexicon.find(text)) == [("doliprane", "DOLIPRANE")]
    # Spelling correction never applies inside a link (random slugs look like typos).
    assert lexicon.find("https://bit.ly/dolipranne") == []
    assert lexicon.find("écrivez-nous : contact@pharmacie-dolipranne.fr") == []


def test_short_names_need_a_capital_and_common_word_brands_need_capitals(
    lexicon: ProductLexicon,
) -> None:
    assert spans("EMLA avant le vaccin", lexicon.find("EMLA avant le vaccin")) == [("EMLA", "EMLA")]
    assert lexicon.find("emla avant le vaccin") == []
    assert spans("Une cure de MAG 2", lexicon.find("Une cure de MAG 2")) == [("MAG", "MAG")]
    assert lexicon.find("Le mag du mois est sorti") == []


ORDINARY_SENTENCES = [
    "Bonjour à tous, la pharmacie sera fermée le lundi de Pâques.",
    "Merci à toute l'équipe pour ce beau moment de partage avec nos patients !",
    "Aujourd'hui c'est la journée mondiale du sommeil : dormez-vous assez ?",
    "Les horaires d'été commencent la semaine prochaine, nous ouvrons à 8 h 30.",
    "Pensez à bien vous hydrater pendant la canicule, surtout les personnes âgées.",
    "Notre parking est en travaux jusqu'à vendredi, merci de votre compréhension.",
    "Un grand bravo à Julie qui rejoint l'équipe comme préparatrice !",
    "La campagne de vaccination contre la grippe commence le 15 octobre.",
    "Retrouvez nos conseils pour protéger la peau des enfants au soleil.",
    "Je ne comprends pas pourquoi personne ne répond au téléphone depuis ce matin.",
    "Super accueil comme toujours, merci pour votre patience et vos explications.",
    "Quelqu'un sait si la pharmacie de garde est ouverte ce dimanche soir ?",
    "Franchement le service client est nul, j'attends depuis deux semaines.",
    "On organise un atelier sur l'arrêt du tabac jeudi prochain à 18 h.",
    "Le dépistage gratuit du diabète aura lieu en partenariat avec la mairie.",
    "Attention aux arnaques par SMS qui se font passer pour l'Assurance maladie.",
    "Mon fils a de la fièvre depuis hier soir, je ne sais pas quoi faire.",
    "Nous recrutons un pharmacien adjoint en CDI, envoyez vos candidatures.",
    "Le marché de Noël revient sur la place de l'église avec nos amis commerçants.",
    "Les allergies au pollen arrivent, parlez-en à votre médecin si besoin.",
    "Ma grand-mère adore venir discuter avec vous, vous êtes formidables.",
    "Quel temps magnifique pour une balade en forêt avec toute la famille !",
    "Découvrez notre nouvel espace dédié à la nutrition et au bien-être.",
    "Le magnésium et la vitamine D sont-ils utiles en hiver ? On en parle samedi.",
    "Rappel : les masques chirurgicaux sont disponibles à l'accueil.",
    "Pour les sportifs : échauffez-vous avant l'effort et buvez régulièrement.",
    "Votre avis compte ! Laissez-nous un commentaire sur notre page.",
    "La différence entre un rhume et une grippe ? Nos pharmaciens vous répondent.",
    "Prochaine collecte de sang le 12 mars à la salle des fêtes, venez nombreux.",
    "Séance photo réussie pour le calendrier solidaire de l'association du quartier.",
]


@pytest.mark.parametrize("sentence", ORDINARY_SENTENCES)
def test_ordinary_french_sentences_mention_no_medicine(
    lexicon: ProductLexicon, sentence: str
) -> None:
    assert lexicon.find(sentence) == []


def test_thirty_ordinary_sentences_together_mention_no_medicine(lexicon: ProductLexicon) -> None:
    assert len(ORDINARY_SENTENCES) == 30
    assert lexicon.find(" ".join(ORDINARY_SENTENCES)) == []


# -- matcher on a hand-made lexicon --------------------------------------------------------------


def test_a_lexicon_can_be_built_from_entries_and_drops_stop_words() -> None:
    small = ProductLexicon.from_entries(
        [
            LexiconEntry(name="BIEN", kind="brand"),
            {"name": "EFFERALGAN", "kind": "brand", "inns": ["paracétamol"], "otc": True},
            LexiconEntry(name="VITAMINE C", kind="inn", status="none"),
            LexiconEntry(name="TOPALGIC", kind="brand", status="liste_i"),
        ]
    )
    assert len(small) == 3  # "BIEN" is a common word: dropped
    assert small.find("bien") == []
    text = "Efferalgan, efferalgans, vitamine C et topalgique"
    assert spans(text, small.find(text)) == [
        ("Efferalgan", "EFFERALGAN"),
        ("efferalgans", "EFFERALGAN"),
        ("vitamine C", "VITAMINE C"),
    ]
    assert small.find("topalgyc")[0].name == "TOPALGIC"  # y/i and a dropped letter, 8 letters


def test_spelling_tolerance_depends_on_the_length_of_the_word() -> None:
    small = ProductLexicon.from_entries(
        [
            LexiconEntry(name="ZYMAD", kind="brand"),  # 5 letters: one edit
            LexiconEntry(name="TAHOR", kind="brand"),
            LexiconEntry(name="DEROXAT", kind="brand"),  # 7 letters: one edit
            LexiconEntry(name="AUGMENTIN", kind="brand"),  # 9 letters: two edits
        ]
    )
    assert small.find("zimad")[0].name == "ZYMAD"  # y/i variant
    assert small.find("tahorr")[0].name == "TAHOR"  # doubled letter
    assert small.find("deroxta")[0].name == "DEROXAT"  # swapped letters
    assert small.find("augmantinn")[0].distance == 2
    assert small.find("deroxxatt") == []  # two edits on a 7-letter name
    assert small.find("taho") == []  # under 5 letters: exact only


def test_words_with_accents_are_not_corrected_into_names() -> None:
    small = ProductLexicon.from_entries([LexiconEntry(name="IDEOS", kind="brand")])
    assert small.find("de bonnes idées") == []
    assert small.find("de bonnes ideos")[0].name == "IDEOS"
