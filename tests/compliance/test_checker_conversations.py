"""The checker on conversations and other wordings: a reply that reveals a condition the person
did not state, reassurance under an adverse event report (PV-08) however it is said, a disease
claim made in other words, and a gift on condition of a purchase (premiums, loyalty stamps).
Pure Python, no database."""

from __future__ import annotations

import pytest

from hygie.compliance.checker import CheckContext, Checker, ProductInfo


def _severity(result: object, rule: str) -> str | None:
    found = [f.severity for f in result.findings if f.rule == rule]  # type: ignore[attr-defined]
    return found[0] if found else None


# -- a condition revealed in a reply ---------------------------------------------------------------


def test_a_pharmacy_reply_naming_a_condition_the_person_did_not_state_breaks_secrecy(
    rules_only: Checker,
) -> None:
    reply = "Bonjour Karim, la crème prescrite pour votre impétigo met 5 à 7 jours à agir 😉"
    review = "★★☆☆☆ Vous m'avez vendu une crème qui ne marche pas du tout"
    context = CheckContext(audience="pharmacy", kind="review_reply", parent_text=review)
    result = rules_only.check(reply, context)
    assert _severity(result, "FR-PHARMA-07") == "block"
    assert _severity(result, "DATA-01") is not None
    # Said by the person first, the condition is repeated, not revealed: no secrecy breach.
    told = CheckContext(
        audience="pharmacy", kind="review_reply", parent_text=review + ", mon impétigo est là"
    )
    assert _severity(rules_only.check(reply, told), "FR-PHARMA-07") is None
    # A company's customer service: DATA-01 only (FR-PHARMA-07 is the pharmacists' secrecy).
    company = CheckContext(audience="company", kind="review_reply", parent_text=review)
    result = rules_only.check(reply, company)
    assert _severity(result, "FR-PHARMA-07") is None and _severity(result, "DATA-01")


@pytest.mark.parametrize(
    ("parent", "reply"),
    [
        (
            "Merci pour tout",
            "Si votre eczéma s'aggrave malgré la crème, parlez-en à votre médecin.",
        ),
        ("Merci pour tout", "Indiquez-nous aussi vos allergies éventuelles, on prépare tout."),
        ("Merci pour tout", "Beaucoup de clients l'utilisent et leur arthrose les gêne moins."),
        ("Enrhumée depuis trois jours 🤧 un conseil ?", "Bon courage pour votre rhume ! Repos."),
        (None, "Bon courage pour votre rhume ! Lavage de nez et repos."),
        ("Vous organisez des ateliers ?", "Oui ! Chacun apprend à gérer son diabète au quotidien."),
        ("Vos services ?", "Nous pouvons prendre votre tension artérielle sans rendez-vous."),
        ("Ma crise de panique d'hier m'a fait peur", "Pour vos attaques de panique, consultez."),
        ("Des mouchoirs en stock ?", "Oui ! L'hiver et ses rhumes arrivent, on a tout 🤧"),
        ("Un conseil pour le nez bouché ?", "Retrouvez vos conseils rhume sur notre site 😉"),
        ("Sneezing all day since the pollen came out", "Hope your allergies settle soon!"),
    ],
)
def test_a_condition_said_to_anyone_asked_for_or_already_described_reveals_nothing(
    rules_only: Checker, parent: str | None, reply: str
) -> None:
    context = CheckContext(audience="pharmacy", kind="reply", parent_text=parent)
    result = rules_only.check(reply, context)
    assert "revealed_condition" not in result.extra["signals"]
    assert _severity(result, "FR-PHARMA-07") is None


# -- reassurance under an adverse event report (PV-08) ---------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        "C'est une petite irritation, rien de grave 😊 ça passera.",
        "Ce n'est pas le vaccin : vous couviez sûrement un virus 🙂",
        "Une kératite vient presque toujours d'une mauvaise hygiène des lentilles.",
        "C'est tout à fait normal après un vaccin, ça prouve qu'il fabrique ses anticorps 💪",
        "Infections have many causes and are unlikely to be related to our product.",
        "It has an excellent safety record, so another cause is far more likely.",
    ],
)
def test_reassurance_under_an_adverse_event_report_is_blocked_however_it_is_said(
    rules_only: Checker, reply: str
) -> None:
    context = CheckContext(audience="pharmacy", kind="reply", parent_potential_ae=True)
    assert _severity(rules_only.check(reply, context), "PV-08") == "block"


@pytest.mark.parametrize(
    "reply",
    [
        "Merci de nous l'avoir signalé. Consultez votre médecin pour vérifier que ce n'est rien "
        "de grave.",
        "Consultez votre médecin pour vous assurer qu'il n'y a rien de grave ; nous déclarons "
        "l'effet.",
        "En espérant que ce ne soit rien de grave : consultez et déclarez l'effet.",
        "Consultez vite pour voir si ce n'est rien de grave, et déclarez l'effet.",
        "Please see your GP to make sure it's nothing serious, and report it.",
        "Personne ne peut affirmer que ce n'est pas le vaccin : déclarez-le, c'est important.",
        "Oui, ça arrive avec les décongestionnants : arrêtez-le et consultez si ça persiste.",
        "Merci : l'information sur les effets indésirables vient souvent des patients eux-mêmes.",
    ],
)
def test_a_referral_or_an_acknowledgement_under_an_adverse_event_is_no_reassurance(
    rules_only: Checker, reply: str
) -> None:
    context = CheckContext(audience="pharmacy", kind="reply", parent_potential_ae=True)
    assert _severity(rules_only.check(reply, context), "PV-08") != "block"


# -- a disease claim in other words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "rule"),
    [
        (
            "Depuis Probiolys, je n'ai plus eu une seule crise de SII 🙏",
            "food_supplement",
            "EU-FOOD-01",
        ),
        (
            "Zénessa, la façon naturelle de se passer d'anxiolytiques 🌿",
            "food_supplement",
            "EU-FOOD-01",
        ),
        (
            "Arthrose ? Six mois de Zénessa et mon rhumato m'a demandé ce que je prenais",
            "food_supplement",
            "EU-FOOD-01",
        ),
        (
            "Probiolys knocks out cold viruses before they take hold",
            "food_supplement",
            "EU-FOOD-01",
        ),
        ("Protégez vos petits du mélanome cet été avec Probiolys", "cosmetic", "EU-COSM-02"),
        ("Probiolys, le baume qui efface les escarres en quelques jours", "cosmetic", "EU-COSM-02"),
    ],
)
def test_a_supplement_or_cosmetic_said_to_end_a_disease_in_other_words_is_refused(
    rules_only: Checker, text: str, category: str, rule: str
) -> None:
    engine = Checker(
        lexicon=rules_only.lexicon,
        products=(
            ProductInfo("Probiolys", category, frozenset()),
            ProductInfo("Zénessa", category, frozenset()),
        ),
        learned=False,
    )
    result = engine.check(text, CheckContext(audience="company", kind="post"))
    assert _severity(result, rule) == "block", result.findings


@pytest.mark.parametrize(
    "text",
    [
        "Protégez votre peau du soleil cet été avec Probiolys SPF 50 ☀️",
        "Probiolys en gélules gastro-résistantes, le conseil de votre gastro-entérologue.",
        "Probiolys en gummies : sans cachets, idéal si vous avez du mal à avaler.",
        "Il ne faut jamais vous passer de vos médicaments pour prendre Probiolys.",
        "Dites adieu aux médicaments périmés : rapportez-les, et vos compléments Probiolys aussi.",
        "Le nouveau flacon de Probiolys remplace avantageusement l'ancien pilulier.",
        "Probiolys soutient le confort digestif ; si vous avez de plus une douleur, consultez.",
        "Rosacée ? Protégez votre visage du soleil avec Probiolys SPF 50+.",
        "Protégez vos lèvres du froid avec Probiolys ; en cas d'herpès, demandez conseil.",
        "Probiolys n'est pas un traitement : si votre tension ne redescend pas, consultez.",
        "Cold viruses knocked out half our team, so Probiolys orders ship on Monday.",
    ],
)
def test_ordinary_claims_near_the_new_disease_wordings_are_not_refused(
    rules_only: Checker, text: str
) -> None:
    engine = Checker(
        lexicon=rules_only.lexicon,
        products=(ProductInfo("Probiolys", "food_supplement", frozenset()),),
        learned=False,
    )
    result = engine.check(text, CheckContext(audience="company", kind="post"))
    assert result.max_severity != "block", result.findings


# -- a gift on condition of a purchase: premiums and loyalty stamps --------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Sur présentation de votre ticket de la pharmacie, une viennoiserie vous est offerte !",
        "Une trousse de toilette offerte à tous ceux qui achètent deux soins cette semaine 😉",
        "Spend €30 on continence products and get a free waterproof mattress protector 🎁",
        "Carte beauté : au 5e soin acheté, le 6e est pour nous 💝",
        "Une carte tamponnée à chaque achat de parapharmacie, et au 10e tampon un soin offert",
    ],
)
def test_a_gift_on_condition_of_a_purchase_is_a_premium_however_it_is_named(
    rules_only: Checker, text: str
) -> None:
    result = rules_only.check(text, CheckContext(audience="pharmacy", kind="post"))
    assert _severity(result, "FR-PHARMA-03") == "block", result.findings


@pytest.mark.parametrize(
    "text",
    [
        "Dépistage du diabète offert à tous ceux qui le souhaitent, samedi matin 🩸",
        "Avec le retrait en 1 heure, chaque client gagne du temps : commandez en ligne.",
        "Pick up a free leaflet on safe medicine disposal at the counter.",
        "Everyone wins when unused medicines come back to the pharmacy.",
        "Vos points sont à retirer dans 10 jours par l'infirmière, gardez le pansement au sec.",
        "Bilan partagé de médication gratuit pour tous ceux qui prennent au moins 5 médicaments.",
        "Spend 5 minutes with our pharmacist and get a free medication review.",
        "Lecteur défectueux ? Remplacement gratuit sur présentation de votre ticket de caisse.",
        "When you buy an over-the-counter medicine, our advice is free of charge: just ask.",
        "Conseil gratuit à chaque achat de médicament sans ordonnance : posez vos questions.",
    ],
)
def test_a_free_service_or_an_ordinary_word_near_a_purchase_is_no_premium(
    rules_only: Checker, text: str
) -> None:
    result = rules_only.check(text, CheckContext(audience="pharmacy", kind="post"))
    assert _severity(result, "FR-PHARMA-03") is None, result.findings
