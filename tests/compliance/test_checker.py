"""The checker applies the catalog: every example of every rule, the false-positive guards the
issue names, spans that point at the author's own characters, mandatory mentions and their fit,
and the one-pass index agreeing with plain regex searches (replies and other wordings:
test_checker_conversations.py; the ``rules_only`` checker: conftest.py). Pure Python, no
database."""

from __future__ import annotations

import re

import pytest

from hygie.compliance.checker import CheckContext, Checker, ProductInfo, check
from hygie.compliance.checker.folding import Folded
from hygie.compliance.checker.index import Entry, Index, naive_hits
from hygie.compliance.checker.prefixes import WILD, begins, prefixes
from hygie.compliance.checker.signals import asserted
from hygie.compliance.rules import default_catalog
from hygie.compliance.rules.catalog import Example, Rule

CATALOG = default_catalog()
EXAMPLES = [
    pytest.param(rule, example, id=f"{rule.id}-{number}-{example.expect}")
    for rule in CATALOG.rules
    for number, example in enumerate(rule.examples)
]


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker()


def example_context(rule: Rule, example: Example) -> tuple[CheckContext, tuple[ProductInfo, ...]]:
    """An example's facts; a product named "(…)" is linked to the draft, not named in it."""
    facts = dict(example.context)
    audience = str(facts.pop("audience", rule.audience[0]))
    country = facts.pop("target_country", None)
    named: list[ProductInfo] = []
    linked: list[ProductInfo] = []
    for product in example.products:
        info = ProductInfo(product.name, product.category, frozenset(product.statuses))
        (linked if product.name.startswith("(") else named).append(info)
    context = CheckContext(
        audience=audience,
        kind=example.kind,
        parent_text=example.parent,
        signals=frozenset(example.signals),
        target_countries=(str(country),) if country else ("FR",),
        products=tuple(linked),
        **facts,  # type: ignore[arg-type]
    )
    return context, tuple(named)


@pytest.mark.parametrize(("rule", "example"), EXAMPLES)
def test_every_catalog_example_gets_the_expected_outcome(
    rules_only: Checker, rule: Rule, example: Example
) -> None:
    context, named = example_context(rule, example)
    engine = (
        Checker(lexicon=rules_only.lexicon, products=named, learned=False) if named else rules_only
    )
    findings = {finding.rule: finding for finding in engine.check(example.text, context).findings}
    if example.expect == "no_match":
        assert rule.id not in findings
    else:
        assert rule.id in findings
        if example.severity:
            assert findings[rule.id].severity == example.severity


def test_promoting_a_reimbursable_medicine_is_blocked_with_the_span_on_its_name() -> None:
    text = "Nouveau chez nous 😍 le Levothyrox, le meilleur pour votre thyroïde !"
    result = check(text)
    finding = next(f for f in result.findings if f.rule == "FR-MED-01")
    assert result.max_severity == "block"
    assert text[finding.start : finding.end] == "Levothyrox"
    assert any(c.article == "L.5122-6" for c in finding.citations)
    assert "L.5122-6" in finding.message
    assert finding.suggestion


def test_a_misspelt_hashtag_brand_is_still_a_medicine() -> None:
    text = "Le #dolipranne c'est le meilleur contre la fièvre, foncez !"
    finding = next(f for f in check(text).findings if f.rule == "FR-MED-01")
    assert text[finding.start : finding.end] == "dolipranne"


@pytest.mark.parametrize(
    "text",
    [
        "Toute l'équipe de la pharmacie vous présente ses meilleurs vœux pour 2027 !",
        "Dépistage gratuit du diabète samedi matin à la pharmacie, organisé avec l'Assurance "
        "maladie : sans rendez-vous.",
        "Information : rupture de stock de Levothyrox chez nos grossistes, nous vous tenons "
        "informés du retour.",
        "Bravo à Léa, notre étudiante, reçue au concours de l'internat en pharmacie !",
        "Canicule : buvez de l'eau régulièrement, fermez les volets et prenez des nouvelles de "
        "vos proches âgés.",
    ],
)
def test_ordinary_health_communication_is_not_blocked(text: str) -> None:
    result = check(text)
    assert result.max_severity != "block", [(f.rule, f.severity) for f in result.findings]


def test_a_stock_shortage_notice_goes_to_review_rather_than_being_blocked() -> None:
    text = (
        "Rupture de stock de Levothyrox chez nos fournisseurs, retour prévu la semaine prochaine."
    )
    finding = next((f for f in check(text).findings if f.rule == "FR-MED-01"), None)
    assert finding is None or finding.severity == "needs_approval"


def test_a_review_reply_confirming_a_treatment_is_blocked() -> None:
    result = check(
        "Merci Mme Durand, ravis que votre traitement pour la tension vous convienne !",
        kind="review_reply",
        parent_text="Super pharmacie, toujours de bon conseil pour mon traitement.",
        parent_author="Jeanne Durand",
    )
    assert result.max_severity == "block"
    assert "FR-PHARMA-07" in {f.rule for f in result.findings}


def test_spans_point_at_the_original_characters_when_folding_changes_lengths() -> None:
    text = "Cœur fragile ? L\u2019œdème, le «\u00a0meilleur\u00a0» remède : Levothyrox ﬁnalement."
    result = check(text)
    for finding in result.findings:
        for span in finding.spans:
            assert 0 <= span.start < span.end <= len(text)
    finding = next(f for f in result.findings if f.rule == "FR-MED-01")
    assert text[finding.start : finding.end] == "Levothyrox"


def test_folding_maps_every_folded_span_back_to_the_original() -> None:
    text = "ŒUF ﬁn e\u0301te\u0301 Straße"
    folded = Folded.of(text)
    assert folded.folded == "oeuf fin ete strasse"
    start = folded.folded.index("ete")
    assert folded.original(start, start + 3) == (7, 12)
    start = folded.folded.index("strasse")
    assert text[slice(*folded.original(start, start + 7))] == "Straße"


def test_an_over_the_counter_medicine_promoted_without_its_mentions_lists_them() -> None:
    result = check("Advil, le réflexe contre les maux de tête, en vente à la pharmacie !")
    finding = next(f for f in result.findings if f.rule == "FR-MED-05")
    missing = {mention.id for mention in finding.missing_mentions}
    assert {"medicine_identification", "leaflet_invitation", "pharmacist_advice"} <= missing
    leaflet = next(m for m in result.mentions if m.id == "leaflet_invitation")
    assert leaflet.text == "Lire attentivement la notice."


def test_mandatory_mentions_that_cannot_fit_the_network_block_it() -> None:
    text = "Advil, le réflexe contre les maux de tête, en vente à la pharmacie ! " * 3
    roomy = check(text, char_limit=5000)
    tight = check(text, char_limit=300)
    roomy_finding = next(f for f in roomy.findings if f.rule == "FR-MED-05")
    tight_finding = next(f for f in tight.findings if f.rule == "FR-MED-05")
    assert not roomy_finding.does_not_fit
    assert tight_finding.does_not_fit and tight_finding.severity == "block"


def test_an_organisations_own_product_is_found_with_its_statuses() -> None:
    product = ProductInfo("Hydraskin Repair", "cosmetic", frozenset())
    engine = Checker(products=[product])
    result = engine.check("Hydraskin Repair guérit l'eczéma en 7 jours !", CheckContext("company"))
    assert "EU-COSM-02" in {f.rule for f in result.findings}
    assert result.max_severity == "block"
    assert "Hydraskin Repair" in result.extra["products"]


def test_an_english_text_gets_english_messages() -> None:
    result = check("Ask your doctor about Ozempic: the best way to lose weight fast!")
    assert result.lang == "en"
    finding = next(f for f in result.findings if f.rule == "FR-MED-01")
    assert finding.message.startswith("No advertising")


def test_a_loud_post_scores_a_loud_tone() -> None:
    loud = check("🔥🔥 INCROYABLE !!! VENEZ VITE 🔥 PROFITEZ !!!")
    calm = check("Venez découvrir notre nouvel espace conseil, du lundi au samedi.")
    assert loud.extra["tone"] >= 0.5 > calm.extra["tone"]
    assert "FR-PHARMA-02" in {f.rule for f in loud.findings}


@pytest.mark.parametrize("text", ["", " ", "\n", "!!", "😀"])
def test_an_empty_or_wordless_draft_has_no_findings(text: str) -> None:
    # The composer checks as you type: a cleared box is checked too.
    assert check(text).max_severity == "ok"


def test_the_checker_is_deterministic() -> None:
    text = "💥 BLACK FRIDAY 💥 -40 % sur toute la para, et le Doliprane au meilleur prix !!"
    assert check(text) == check(text)


def test_every_entry_a_prefix_is_derived_for_begins_with_one_of_them(checker: Checker) -> None:
    analysed = [entry for entry in checker.entries if prefixes(entry.pattern) is not None]
    assert len(analysed) > 0.95 * len(checker.entries)
    sample = " ".join(example.text for rule in CATALOG.rules for example in rule.examples)
    folded = Folded.of(sample).folded
    for entry in analysed:
        allowed = prefixes(entry.pattern)
        assert allowed is not None
        for match in entry.pattern.finditer(folded):
            if match.end() > match.start():
                # The analysis writes the separators between two words as one space.
                tail = re.sub(r"(?<=\w)\W+(?=\w)", " ", folded[match.start() : match.end() + 40])
                raw = folded[match.start() :]
                assert any(begins(tail, p) or begins(raw, p) for p in allowed), entry


def test_the_index_finds_what_plain_searches_find_on_every_example(checker: Checker) -> None:
    for rule in CATALOG.rules:
        for example in rule.examples:
            for text in filter(None, (example.text, example.parent)):
                folded = Folded.of(text)
                fast = {k: v for k, v in checker.index.hits(folded).items() if v}
                slow = {k: v for k, v in naive_hits(checker.entries, folded).items() if v}
                # Plain search may also start inside a word; the index never does by design.
                for name, spans in fast.items():
                    assert set(spans) <= set(slow.get(name, ())), (name, text)
                assert set(fast) == set(slow), text


@pytest.mark.parametrize(
    "text",
    [
        "Voici l'insuline de votre mère.",
        "Voici l insuline de votre mère.",
        "Voici lainsuline de votre mère.",
        "La insuline, le sirop, les soins : c'est prouvé, c est prouvé, cxest prouvé.",
        "Le choix de la rédaction, la trousse offerte.",
    ],
)
def test_a_dot_after_an_elided_letter_is_searched_only_before_its_next_word(text: str) -> None:
    entries = [
        Entry("insulin", re.compile(r"\bl.insuline\s+de\b")),
        Entry("proof", re.compile(r"\bc.?\s?est\s+prouve\b")),
        Entry("gift", re.compile(r"\b(?:la|le|l.)\s+trousse\b")),
    ]
    index = Index(entries)
    folded = Folded.of(text)
    fast = {name: spans for name, spans in index.hits(folded).items() if spans}
    assert fast == {name: spans for name, spans in naive_hits(entries, folded).items() if spans}
    # "la", "le" or "les" alone no longer call for the "l." entries: only before their word.
    assert begins("la", f"l{WILD} ") and not begins("les", f"l{WILD} ")
    assert begins("lainsuline", f"l{WILD}insuline") and not begins("la", f"l{WILD}insuline")


# -- round 3: claims found by proximity -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "verb", "expected"),
    [
        ("Ce complément soigne l'arthrose.", "soigne", True),
        ("Un complément ne soigne pas l'arthrose.", "soigne", False),
        ("Ce baume ne les soulage jamais vraiment.", "soulage", False),
        ("This supplement does not treat diabetes.", "treat", False),
        ("Ce complément soigne-t-il l'arthrose ?", "soigne", False),
        ("Marre de l'arthrose ? Ce complément soigne vos articulations.", "soigne", True),
        ("No supplement can cure arthritis.", "cure", False),
        ("No cream treats eczema, whatever the ads say.", "treats", False),
        ("Nothing cures a cold faster than rest.", "cures", False),
        ("No more aches: Flexivia cures them.", "cures", True),
        ("Cicaveil isn't designed to treat acne or scars.", "treat", False),
        ("Ce baume n'est pas conçu pour traiter l'eczéma.", "traiter", False),
        ("Don't wait to treat your eczema: Cicaveil treats it.", "treats", True),
    ],
)
def test_a_claim_verb_counts_only_when_asserted(text: str, verb: str, expected: bool) -> None:
    start = text.index(verb)
    assert asserted(text, (start, start + len(verb))) is expected


def _signals(checker: Checker, text: str, **facts: object) -> set[str]:
    return set(checker.check(text, CheckContext(**facts)).extra["signals"])  # type: ignore[arg-type]


def test_a_disease_claim_needs_the_product_the_disease_and_the_verb_in_one_sentence(
    checker: Checker,
) -> None:
    assert "supplement_disease_claim" in _signals(
        checker, "Nos gélules agissent sur le cholestérol en un mois."
    )
    assert "cosmetic_disease_claim" in _signals(checker, "Ce sérum fait disparaître l'acné.")
    # the disease and the verb, but in another sentence than the product
    assert "supplement_disease_claim" not in _signals(
        checker, "Le cholestérol se combat d'abord à table. Nos gélules de magnésium sont arrivées."
    )
    # denied
    assert "supplement_disease_claim" not in _signals(
        checker, "Attention : aucune gélule ne soigne le diabète."
    )


def test_a_weight_amount_is_a_claim_only_next_to_a_word_of_losing_it(checker: Checker) -> None:
    assert "weight_loss_amount" in _signals(checker, "Perdez jusqu'à 7 kilos avec nos gélules.")
    assert "weight_loss_amount" not in _signals(
        checker, "Une gélule par jour, deux au-delà de 70 kg."
    )


def test_a_reply_asserting_what_a_prescription_brand_does_is_advertising() -> None:
    claim = check("Oui, le Xarelto permet d'éviter les caillots !", kind="reply")
    assert "FR-MED-01" in {finding.rule for finding in claim.findings}
    factual = check("Bonjour, le Xarelto ne se délivre que sur ordonnance.", kind="reply")
    assert "FR-MED-01" not in {finding.rule for finding in factual.findings}


@pytest.mark.parametrize(
    "text",
    [
        "Notre complément à la vitamine C et au zinc, -20 % ce week-end !",
        "Mélatonine 1,9 mg + passiflore : le duo de vos nuits, en promo cette semaine.",
        "Nouveau déodorant sans sels d'aluminium, notre coup de cœur 💚",
        "Glucosamine and chondroitin gummies for active joints, 2 for 1 this week!",
    ],
)
def test_a_supplement_or_cosmetic_ingredient_the_medicines_database_lists_is_no_medicine(
    rules_only: Checker, text: str
) -> None:
    context = CheckContext(audience="pharmacy", kind="post")
    assert rules_only.analyse(text).products == []
    rules = {f.rule for f in rules_only.check(text, context).findings}
    assert not {r for r in rules if r.startswith("FR-MED")}, rules


def test_a_brand_longer_than_the_ingredient_it_begins_with_is_still_a_medicine(
    rules_only: Checker,
) -> None:
    names = [hit.name for hit in rules_only.analyse("Vitamine C Upsa 1000 en stock").products]
    assert names == ["VITAMINE C UPSA"]
    # And the substance named outside an ingredient's phrase stays a medicine substance.
    assert [hit.name for hit in rules_only.analyse("du paracétamol").products] == ["paracétamol"]
