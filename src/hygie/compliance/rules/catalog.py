"""The rules catalog of the compliance engine: its data model and the meaning of every field.

The rules live in ``catalog.yaml`` and the vocabularies they use in ``lexicons/*.yaml``, next to
this module. Updating a legal source, a severity, an explanation or a word list is a data change:
no code changes. This module holds the frozen model (:class:`Rule`, :class:`Trigger`,
:class:`Catalog`…), the vocabularies a field may take, :func:`fold` and :func:`phrase_pattern`,
and documents the format below. Reading and validating the YAML is
:mod:`hygie.compliance.rules.loading`: its :func:`~hygie.compliance.rules.loading.load_catalog`
reads both, checks them strictly and returns a frozen :class:`Catalog`; any problem raises
:class:`CatalogError`, whose message names the file, the rule id and the field.
:func:`default_catalog` is the packaged catalog, loaded once. Applying the rules to a draft is the
checker's job, not this module's: here the *meaning* of every field is fixed so that the checker,
the reviewers and the lexicon editors agree.

Pure Python (standard library; the loader adds PyYAML), no Django.

Rule fields
===========

``id`` (the research note's id, e.g. ``FR-MED-01``), ``aliases`` (other ids it answers to),
``section`` (A–G, the research note's section), ``title_fr``/``title_en``, ``jurisdiction``
(``FR``, ``EU``, ``US``; one or a list), ``audience`` (``pharmacy``, ``company``; one or a list),
``kinds`` (``post``, ``reply``, ``review_reply``), ``severity`` (``block``, ``needs_approval``,
``warn``: the rule's strongest outcome, used by triggers that set none), ``source`` (a list of
``{instrument, article, version_date, url, verified, note}``), ``explanation_fr``/``_en``,
``remediation_fr``/``_en``, ``triggers``, ``exceptions``, ``examples`` and an optional ``note``.

Sources: ``article`` and ``version_date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``: the version
of the text the citation was checked against) may be ``null`` when the research did not establish
them; ``verified`` is true only when the research note quotes the text without a [VERIFY] mark.
Article numbers are data: the pharmacists' code of ethics was recast in March 2026, and the
FR-PHARMA sources still carry the pre-recast numbers with ``verified: false``.

Triggers: a small declarative vocabulary
========================================

``triggers`` is a list of *triggers*; the rule fires when **any** trigger holds, and a trigger
holds when **all** its conditions hold:

``all_lexicons: [a, b]``
    every listed lexicon has at least one entry in the text;
``any_lexicon: [a, b]``
    at least one listed lexicon has an entry in the text;
``no_lexicon: [a, b]``
    none of the listed lexicons has an entry in the text;

    in ``any_lexicon`` and ``no_lexicon`` a name may also be a *lexicon group*, declared once at
    the top of the catalog (``lexicon_groups: {promotion_cues: [benefit_claims, ...]}``): it
    stands for its lexicons, so that a list several exceptions share (what turns a medicine's
    mention into promotion) is written, and extended, in one place; groups hold lexicons only,
    and cannot be used in ``all_lexicons``;
``pattern: '<regex>'``
    a one-off regular expression, matched like a lexicon regex (below);
``product: {category: [...], status: [...], not_status: [...]}``
    the text names (product dictionary) or the draft's metadata links at least one product of one
    of the categories (:data:`PRODUCT_CATEGORIES`) having at least one status of ``status`` (when
    given) and none of ``not_status`` (:data:`PRODUCT_STATUSES`);
``any_signal: [s, ...]``
    at least one named detector that words cannot express fires (:data:`SIGNALS`: image
    analysis, link targets, the product master data…);
``context: {key: value | [values]}``
    facts about the draft rather than its words (:data:`CONTEXT_KEYS`; a list means "any of";
    a key the draft does not set takes its documented default);
``parent: {...}``
    the same text, product and signal conditions, applied to the item being replied to (the
    comment, message or review);
``requires_mention: [mention, ...]``
    the trigger holds when its other conditions hold **and** at least one automatic mandatory
    mention is missing. A mention has ``id``, ``label_fr``/``label_en``, the reference wording
    ``text_fr``/``text_en``, ``check: auto`` (with ``detect``: lexicons,
    a pattern or signals that find it) or ``check: manual`` (a checklist item the checker cannot
    confirm: it is shown to the reviewer with the rule's findings and never makes the trigger
    hold by itself), ``must_fit`` (the mention must fit within the network's character limit
    together with the text: if it cannot, publishing there is refused), an optional ``severity``
    when it is missing (automatic mentions only) and a ``note``;
``severity``
    the severity of a finding from this trigger (default: the rule's); for a
    ``requires_mention`` trigger, the strongest severity among the missing mentions;
``note``
    free text for people.

Exceptions (false-positive guards) are a list of ``{id, note, ...}`` with either
``mask_lexicon: name`` (a trigger-lexicon hit overlapping a span of this lexicon does not count:
"meilleurs vœux" is not a superlative, the "concours de l'internat" is not a contest) or
``when: {trigger conditions}`` (the situation excuses the rule: it is not reported, or is
reported at ``downgrade_to`` severity when given).

Lexicons
========

One file per lexicon, ``lexicons/<name>.yaml``: ``description`` and entries under ``fr``, ``en``
and ``any`` (language-neutral: emojis, numbers). All entries apply whatever the post's language.
An entry is a plain string (a phrase) or ``{phrase: ...}`` / ``{regex: ...}`` with an optional
``note``; a regex may set ``case_sensitive: true``.

* Text is *folded* before matching (:func:`fold`): compatibility-normalised, case-folded, accents
  removed, ligatures expanded, typographic apostrophes and dashes made ASCII ("Pénurie" and
  "penurie" are the same).
* A phrase matches whole words: between its words the text may have any run of spaces, hyphens,
  apostrophes, slashes or punctuation ("jeu-concours" = "jeu concours"); next to a symbol
  (``%``, ``€``, ``#``, an emoji) the separator is optional ("100 %" = "100%"). Inflections are
  not guessed: list them or write a regex.
* A regex is matched against the folded text, so it must be written without accents; with
  ``case_sensitive: true`` it is matched against the original text instead (all-caps headlines).

:attr:`LexiconEntry.pattern` is the compiled form of every entry, phrase or regex.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

Severity = Literal["block", "needs_approval", "warn"]
Kind = Literal["post", "reply", "review_reply"]
Audience = Literal["pharmacy", "company"]
Jurisdiction = Literal["FR", "EU", "US"]

#: Strongest first.
SEVERITIES: tuple[Severity, ...] = ("block", "needs_approval", "warn")
SEVERITY_RANK: dict[str, int] = {severity: rank for rank, severity in enumerate(SEVERITIES)}
KINDS: tuple[Kind, ...] = ("post", "reply", "review_reply")
AUDIENCES: tuple[Audience, ...] = ("pharmacy", "company")
JURISDICTIONS: tuple[Jurisdiction, ...] = ("FR", "EU", "US")
SECTIONS = ("A", "B", "C", "D", "E", "F", "G")
LANGUAGES = ("fr", "en", "any")

#: The 27 member states (ISO 3166-1 alpha-2). ``EU`` rules apply when one of them is targeted.
EU_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)

PRODUCT_CATEGORIES = ("medicine", "medical_device", "cosmetic", "food_supplement")

#: Product statuses a trigger may test. The first five come from the BDPM lexicon
#: (:mod:`hygie.compliance.lexicon`); the others need the tenant's product master data.
PRODUCT_STATUSES: dict[str, str] = {
    "stupefiant": "medicine: narcotic (BDPM)",
    "liste_i": "medicine: list I (BDPM)",
    "liste_ii": "medicine: list II (BDPM)",
    "prescription": "medicine: prescription-only (PMO): a list status, or not OTC in the BDPM",
    "otc": "medicine: available without prescription (BDPM flag)",
    "reimbursed": "medicine or device: reimbursable, even partly (BDPM rate; LPP for devices)",
    "advertising_restricted": "medicine: its AMM restricts advertising to the public",
    "unauthorised": "medicine: no marketing authorisation (investigational, pipeline)",
    "under_reevaluation": "medicine: benefit/risk re-evaluation under way (L.5122-3)",
    "generic": "medicine: a generic (R.5122-3 generic statement)",
    "vaccine": "medicine: a vaccine (public vaccination campaigns)",
    "smoking_cessation": "medicine: a smoking-cessation product",
    "abuse_prone": "medicine: analgesic, NSAID, antihistamine, codeine or other abuse-prone",
    "low_risk_advertising_exempt": "device: on the low-risk list (L.5213-3 exception)",
    "prior_authorisation_required": "device: on the list needing ANSM prior authorisation",
}

#: Detectors that words cannot express. The checker provides them (or reports them as unknown).
SIGNALS: dict[str, str] = {
    "image_face": "an attached image shows a face",
    "prescription_image": "an attached image or its OCR shows a prescription or a named label",
    "link_to_product_site": "a link, hashtag target or landing page is a product or brand page",
    "link_to_eshop": "a link points to the pharmacy's online shop",
    "brand_hashtag": "a hashtag of one of the company's brands",
    "brand_visual_identity": "the company logo or a brand colour scheme in the visuals",
    "child_targeted_content": "cartoon characters or child-directed visuals",
    "frightening_body_imagery": "abusive, frightening or misleading images of the body",
    "symptom_checklist": "a list of symptoms leading to a conclusion (self-diagnosis)",
    "off_label_indication": "an indication outside the product's approved list (master data)",
    "possessive_product_mention": "'votre/vos/your' directly before a product name",
    "mentions_reviewer_name": "the reply names the author of the item replied to",
    "revealed_condition": (
        "a reply attributes a condition to the person answered or their relative ('votre"
        " impétigo', 'his diarrhoea') that the item replied to does not state"
    ),
    "named_competitor": "another pharmacy is named or identifiable",
    "product_name_and_inn": "the advertised medicine's name and its INN both appear",
    "risk_information_link": "a link to a page devoted to the product's risk information",
    "authorised_health_claim": "the wording matches an authorised EU health claim (register)",
    "sensational_tone": "capitals, emojis and exclamation runs: a loud tone (checker's score)",
    "medicine_brand_named": "a medicine is named by its brand (BDPM brand or the tenant's own)",
    "adverse_event_report": (
        "a product or medicine form and, in the same sentence, a word tying a health event to it"
        " ('depuis', 'après', 'since starting') or an adverse-event cue: a potential AE"
    ),
    "brand_effect_claim": (
        "a product named by its brand and, in the same sentence, an asserted verb of effect"
        " ('permet', 'agit sur', 'lowers'; not negated, not a question)"
    ),
    "supplement_disease_claim": (
        "a food supplement (named, linked or a product word), a disease term and an asserted"
        " verb of effect in the same sentence"
    ),
    "cosmetic_disease_claim": (
        "a cosmetic (named, linked or a product word), a disease term and an asserted verb of"
        " effect in the same sentence"
    ),
    "weight_loss_amount": (
        "an amount of body weight next to a word of losing it ('lose up to 5 kg')"
    ),
}

#: Lexicons that only the checker's computed signals read (no trigger names them): the halves
#: of ``adverse_event_report``, the verbs of effect of the claim signals and the two halves of
#: ``weight_loss_amount``.
SIGNAL_LEXICONS = frozenset(
    {
        "exposure_words",
        "ae_link_cues",
        "ae_cues",
        "effect_verbs",
        "weight_amounts",
        "weight_loss_words",
    }
)
#: The lexicon of the ingredients of foods, supplements and cosmetics that the medicines
#: database also lists as active substances ("vitamine C", "mélatonine", "sels d'aluminium"): a
#: medicine name found inside one of its hits is an ingredient, not a medicine (the engine reads
#: it; no rule needs to).
INGREDIENT_LEXICON = "ingredient_substances"


@dataclass(frozen=True, slots=True)
class ContextKey:
    """A fact about the draft that triggers may test, with its allowed values and default."""

    kind: Literal["enum", "bool", "country", "network"]
    default: str | bool | None
    description: str
    values: tuple[str, ...] = ()


#: ``network`` values are the channel keys (``x``, ``bluesky``, ``facebook_page``…).
CONTEXT_KEYS: dict[str, ContextKey] = {
    "audience": ContextKey("enum", None, "the tenant's audience", AUDIENCES),
    "kind": ContextKey("enum", None, "what is checked: a post, a reply or a review reply", KINDS),
    "account_type": ContextKey(
        "enum",
        None,
        "the publishing account; default: the audience",
        ("pharmacy", "company", "groupement", "influencer"),
    ),
    "target_country": ContextKey("country", "FR", "a country the draft targets"),
    "network": ContextKey("network", None, "the channel's network key"),
    "visibility": ContextKey("enum", "public", "who sees a reply", ("public", "private")),
    "paid_partnership": ContextKey("bool", False, "declared paid partnership or sponsorship"),
    "sponsored": ContextKey("bool", False, "paid boost or ad placement"),
    "reposted_ugc": ContextKey("bool", False, "a repost of someone else's content"),
    "has_visa_gp": ContextKey("bool", False, "an unexpired ANSM visa GP reference is attached"),
    "has_dm_authorisation": ContextKey("bool", False, "an ANSM device-advertising authorisation"),
    "has_consent_record": ContextKey("bool", False, "a consent record covers the media"),
    "comments_enabled": ContextKey("bool", True, "comments stay open on the published post"),
    "sharing_enabled": ContextKey("bool", True, "sharing stays open on the published post"),
    "parent_potential_ae": ContextKey(
        "bool", False, "the item replied to is flagged as a potential adverse event"
    ),
}

# ---------------------------------------------------------------------------------------------
# Folding and phrase patterns
# ---------------------------------------------------------------------------------------------

_TRANSLATE = str.maketrans(
    {
        "œ": "oe",
        "æ": "ae",
        "ø": "o",
        "đ": "d",
        "ł": "l",
        "ı": "i",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "´": "'",
        "`": "'",
        "‐": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
    }
)


def fold(text: str) -> str:
    """The form lexicons are matched against: ``"Pénurie – l’ŒUF"`` → ``"penurie - l'oeuf"``.

    Compatibility normalisation (NFKD: non-breaking spaces become spaces, "‼" becomes "!!"),
    case folding, accents removed, ligatures expanded, typographic apostrophes and dashes made
    ASCII. Offsets are *not* preserved.
    """
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_TRANSLATE)


_PHRASE_SPLIT = re.compile(r"[\s\-'/]+")
_SEPARATOR = r"[\s\-'.,;:!?/]"


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The regex a lexicon phrase compiles to (applied to folded text); see the module doc."""
    words = [word for word in _PHRASE_SPLIT.split(fold(phrase)) if word]
    if not words:
        raise ValueError("empty phrase")
    parts = [r"(?<!\w)" if re.match(r"\w", words[0]) else ""]
    for index, word in enumerate(words):
        if index:
            between_words = re.search(r"\w$", words[index - 1]) and re.match(r"\w", word)
            parts.append(f"{_SEPARATOR}+" if between_words else f"{_SEPARATOR}*")
        parts.append(re.escape(word))
    if re.search(r"\w$", words[-1]):
        parts.append(r"(?!\w)")
    return re.compile("".join(parts))


# ---------------------------------------------------------------------------------------------
# Data model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One word, phrase or regex of a lexicon. Apply :attr:`pattern` to ``fold(text)``, or to
    the original text when :attr:`case_sensitive` is set."""

    lexicon: str
    lang: str
    value: str
    is_regex: bool
    pattern: re.Pattern[str]
    case_sensitive: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class Lexicon:
    name: str
    description: str
    entries: tuple[LexiconEntry, ...]


@dataclass(frozen=True, slots=True)
class Source:
    instrument: str
    article: str | None
    version_date: str | None
    url: str
    verified: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class ProductCondition:
    categories: tuple[str, ...]
    statuses: tuple[str, ...] = ()
    not_statuses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Mention:
    """A mandatory mention (``requires_mention``)."""

    id: str
    label_fr: str
    label_en: str
    check: Literal["auto", "manual"]
    detect: Trigger | None
    must_fit: bool
    severity: Severity | None = None
    text_fr: str | None = None
    text_en: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Trigger:
    """One situation that sets a rule off: all its conditions must hold."""

    all_lexicons: tuple[str, ...] = ()
    any_lexicon: tuple[str, ...] = ()
    no_lexicon: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    product: ProductCondition | None = None
    any_signal: tuple[str, ...] = ()
    context: Mapping[str, tuple[str | bool, ...]] = field(default_factory=dict)
    parent: Trigger | None = None
    requires_mention: tuple[Mention, ...] = ()
    severity: Severity | None = None
    note: str = ""

    def lexicon_names(self) -> Iterator[str]:
        """Every lexicon this trigger (its parent and mention detectors included) uses."""
        yield from self.all_lexicons
        yield from self.any_lexicon
        yield from self.no_lexicon
        if self.parent is not None:
            yield from self.parent.lexicon_names()
        for mention in self.requires_mention:
            if mention.detect is not None:
                yield from mention.detect.lexicon_names()


@dataclass(frozen=True, slots=True)
class Exemption:
    """A false-positive guard (``exceptions`` in the YAML)."""

    id: str
    note: str
    mask_lexicon: str | None = None
    when: Trigger | None = None
    downgrade_to: Severity | None = None


@dataclass(frozen=True, slots=True)
class ExampleProduct:
    name: str
    category: str
    statuses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Example:
    """A text the rule must (``match``) or must not (``no_match``) report."""

    text: str
    expect: Literal["match", "no_match"]
    kind: Kind
    severity: Severity | None = None
    context: Mapping[str, str | bool] = field(default_factory=dict)
    parent: str | None = None
    products: tuple[ExampleProduct, ...] = ()
    signals: tuple[str, ...] = ()
    origin: Literal["note", "derived"] = "note"
    note: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    section: str
    title_fr: str
    title_en: str
    jurisdiction: tuple[Jurisdiction, ...]
    audience: tuple[Audience, ...]
    kinds: tuple[Kind, ...]
    severity: Severity
    sources: tuple[Source, ...]
    explanation_fr: str
    explanation_en: str
    remediation_fr: str
    remediation_en: str
    triggers: tuple[Trigger, ...]
    exceptions: tuple[Exemption, ...] = ()
    examples: tuple[Example, ...] = ()
    aliases: tuple[str, ...] = ()
    note: str = ""

    def applies_to(self, countries: Collection[str]) -> bool:
        """Whether one of the targeted countries falls under this rule's jurisdiction."""
        return any(
            (jurisdiction == "EU" and country in EU_COUNTRIES) or jurisdiction == country
            for jurisdiction in self.jurisdiction
            for country in countries
        )

    def lexicon_names(self) -> frozenset[str]:
        names = {name for trigger in self.triggers for name in trigger.lexicon_names()}
        for exemption in self.exceptions:
            if exemption.mask_lexicon:
                names.add(exemption.mask_lexicon)
            if exemption.when is not None:
                names.update(exemption.when.lexicon_names())
        return frozenset(names)


@dataclass(frozen=True, slots=True)
class Catalog:
    version: str
    updated: dt.date
    rules: tuple[Rule, ...]
    lexicons: Mapping[str, Lexicon]

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id or alias; :class:`KeyError` if there is none."""
        for rule in self.rules:
            if rule_id == rule.id or rule_id in rule.aliases:
                return rule
        raise KeyError(f"no rule {rule_id!r} in catalog {self.version}")

    def rules_for(
        self, audience: str, kind: str, country: str | Collection[str] = "FR"
    ) -> tuple[Rule, ...]:
        """The rules that apply to a draft of this ``kind`` by this ``audience``, targeting
        ``country`` (one ISO code, or several for a draft aimed at more than one country)."""
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r} (expected one of {AUDIENCES})")
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} (expected one of {KINDS})")
        countries = {country} if isinstance(country, str) else set(country)
        countries = {code.upper() for code in countries}
        return tuple(
            rule
            for rule in self.rules
            if audience in rule.audience and kind in rule.kinds and rule.applies_to(countries)
        )

    def lexicon(self, name: str) -> list[LexiconEntry]:
        """The entries of a lexicon; :class:`KeyError` if there is none by that name."""
        try:
            return list(self.lexicons[name].entries)
        except KeyError:
            raise KeyError(f"no lexicon {name!r} in catalog {self.version}") from None


class CatalogError(ValueError):
    """The catalog or a lexicon is invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"the rules catalog is invalid ({count} problem{'s' * (count > 1)}):\n- "
            + "\n- ".join(problems)
        )


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The packaged catalog, loaded once per process."""
    # Imported here: the loader builds this module's model, so it imports this module.
    from hygie.compliance.rules.loading import load_catalog

    return load_catalog()
