"""The rules catalog of the compliance engine: versioned data, loaded and validated here.

The rules live in ``catalog.yaml`` and the vocabularies they use in ``lexicons/*.yaml``, next to
this module. Updating a legal source, a severity, an explanation or a word list is a data change:
no code changes. :func:`load_catalog` reads both, checks them strictly and returns a frozen
:class:`Catalog`; any problem raises :class:`CatalogError`, whose message names the file, the rule
id and the field. Applying the rules to a draft is the checker's job, not this module's: here the
*meaning* of every field is fixed so that the checker, the reviewers and the lexicon editors
agree.

Pure Python (standard library and PyYAML), no Django.

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
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import yaml

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

_ID = re.compile(r"^[A-Z]{2,}(?:-[A-Z]+)*-\d{2}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d+$")
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_URL = re.compile(r"^https?://\S+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

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


# ---------------------------------------------------------------------------------------------
# YAML reading
# ---------------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_duplicates,
)


def _read_yaml(resource: Traversable, label: str, problems: list[str]) -> Any:
    try:
        return yaml.load(resource.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        problems.append(f"{label}: cannot be read: {error}")
        return None


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

_TEXT_KEYS = frozenset({"all_lexicons", "any_lexicon", "no_lexicon", "pattern"})
_PARENT_KEYS = _TEXT_KEYS | {"product", "any_signal", "note"}
_WHEN_KEYS = _PARENT_KEYS | {"context", "parent"}
_TRIGGER_KEYS = _WHEN_KEYS | {"requires_mention", "severity"}
_DETECT_KEYS = frozenset({"all_lexicons", "any_lexicon", "pattern", "any_signal"})
_CONDITION_KEYS = (_WHEN_KEYS | {"requires_mention"}) - {"note"}


class _Checker:
    """Turns parsed YAML into the frozen model, collecting every problem on the way."""

    def __init__(self, lexicon_names: Collection[str]) -> None:
        self.problems: list[str] = []
        self.lexicon_names = lexicon_names

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    # -- scalars ------------------------------------------------------------------------------

    def keys(self, data: Mapping[str, Any], where: str, allowed: Collection[str]) -> None:
        for key in data:
            if key not in allowed:
                self.problem(
                    where, f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})"
                )

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if isinstance(value, dict) and all(isinstance(key, str) for key in value):
            return value
        self.problem(where, f"must be a mapping, not {type(value).__name__}")
        return {}

    def text(self, data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(where, f"field {key!r} is missing")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(where, f"field {key!r} must be a non-empty string")
            return ""
        return value.strip()

    def choice(
        self, data: Mapping[str, Any], key: str, where: str, allowed: Collection[str]
    ) -> str | None:
        value = data.get(key)
        if value is None:
            self.problem(where, f"field {key!r} is missing")
            return None
        if value not in allowed:
            self.problem(
                where, f"field {key!r}: unknown value {value!r} (expected one of: {_list(allowed)})"
            )
            return None
        return cast(str, value)

    def choices(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        allowed: Collection[str],
        *,
        required: bool = True,
    ) -> tuple[str, ...]:
        """One value or a list of values, each from ``allowed``, without repeats."""
        value = data.get(key)
        if value is None:
            if required:
                self.problem(where, f"field {key!r} is missing")
            return ()
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values:
            self.problem(where, f"field {key!r} must be a value or a non-empty list")
            return ()
        good: list[str] = []
        for item in values:
            if item not in allowed:
                self.problem(
                    where,
                    f"field {key!r}: unknown value {item!r} (expected one of: {_list(allowed)})",
                )
            elif item in good:
                self.problem(where, f"field {key!r}: {item!r} is repeated")
            else:
                good.append(item)
        return tuple(good)

    def names(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        """A list of lexicon names, each of which must exist."""
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.problem(where, f"field {key!r} must be a non-empty list of lexicon names")
            return ()
        for name in value:
            if name not in self.lexicon_names:
                self.problem(where, f"field {key!r}: unknown lexicon {name!r}")
        return tuple(value)

    def regex(self, value: Any, where: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
        if not isinstance(value, str) or not value:
            self.problem(where, "a regex must be a non-empty string")
            return re.compile(r"(?!)")
        if not case_sensitive and any(ch.isalpha() and fold(ch) != ch.lower() for ch in value):
            self.problem(
                where,
                f"regex {value!r} contains accented letters: it is matched against folded text, "
                "write it without accents (or set case_sensitive: true)",
            )
        try:
            pattern = re.compile(value, 0 if case_sensitive else re.IGNORECASE)
        except re.error as error:
            self.problem(where, f"invalid regex {value!r}: {error}")
            return re.compile(r"(?!)")
        if pattern.search("") is not None:
            self.problem(where, f"regex {value!r} matches the empty string")
        return pattern

    # -- structures ---------------------------------------------------------------------------

    def trigger(self, value: Any, where: str, allowed: frozenset[str]) -> Trigger:
        data = self.mapping(value, where)
        self.keys(data, where, allowed)
        if not any(key in _CONDITION_KEYS for key in data):
            self.problem(where, "needs at least one condition")
        product = None
        if "product" in data:
            product = self.product(data["product"], f"{where}.product")
        context: dict[str, tuple[str | bool, ...]] = {}
        if "context" in data:
            context = self.context(data["context"], f"{where}.context")
        parent = None
        if "parent" in data:
            parent = self.trigger(data["parent"], f"{where}.parent", _PARENT_KEYS)
        mentions: list[Mention] = []
        if "requires_mention" in data:
            items = data["requires_mention"]
            if not isinstance(items, list) or not items:
                self.problem(where, "field 'requires_mention' must be a non-empty list")
                items = []
            for index, item in enumerate(items):
                mentions.append(self.mention(item, f"{where}.requires_mention[{index}]"))
            if mentions and all(mention.check == "manual" for mention in mentions):
                self.problem(where, "'requires_mention' needs at least one automatic mention")
            ids = [mention.id for mention in mentions]
            for repeated in sorted({i for i in ids if ids.count(i) > 1}):
                self.problem(where, f"mention id {repeated!r} is repeated")
        severity = None
        if "severity" in data:
            severity = cast(Severity | None, self.choice(data, "severity", where, SEVERITIES))
        return Trigger(
            all_lexicons=self.names(data, "all_lexicons", where),
            any_lexicon=self.names(data, "any_lexicon", where),
            no_lexicon=self.names(data, "no_lexicon", where),
            pattern=self.regex(data["pattern"], f"{where}.pattern") if "pattern" in data else None,
            product=product,
            any_signal=self.choices(data, "any_signal", where, SIGNALS, required=False),
            context=context,
            parent=parent,
            requires_mention=tuple(mentions),
            severity=severity,
            note=self.text(data, "note", where, required=False),
        )

    def product(self, value: Any, where: str) -> ProductCondition:
        data = self.mapping(value, where)
        self.keys(data, where, {"category", "status", "not_status"})
        return ProductCondition(
            categories=self.choices(data, "category", where, PRODUCT_CATEGORIES),
            statuses=self.choices(data, "status", where, PRODUCT_STATUSES, required=False),
            not_statuses=self.choices(data, "not_status", where, PRODUCT_STATUSES, required=False),
        )

    def context(self, value: Any, where: str) -> dict[str, tuple[str | bool, ...]]:
        data = self.mapping(value, where)
        self.keys(data, where, CONTEXT_KEYS)
        if not data:
            self.problem(where, "needs at least one key")
        result: dict[str, tuple[str | bool, ...]] = {}
        for key, raw in data.items():
            spec = CONTEXT_KEYS.get(key)
            if spec is None:
                continue
            values = raw if isinstance(raw, list) else [raw]
            checked = [v for v in values if self.context_value(spec, v, f"{where}.{key}")]
            if not values:
                self.problem(f"{where}.{key}", "needs a value")
            result[key] = tuple(checked)
        return result

    def context_value(self, spec: ContextKey, value: Any, where: str) -> bool:
        if spec.kind == "bool":
            ok = isinstance(value, bool)
            expected = "true or false"
        elif spec.kind == "enum":
            ok = value in spec.values
            expected = f"one of: {_list(spec.values)}"
        elif spec.kind == "country":
            ok = isinstance(value, str) and bool(_COUNTRY.match(value))
            expected = "an ISO country code such as FR or US"
        else:
            ok = isinstance(value, str) and bool(_NAME.match(value))
            expected = "a network key such as x or facebook_page"
        if not ok:
            self.problem(where, f"unknown value {value!r} (expected {expected})")
        return ok

    def mention(self, value: Any, where: str) -> Mention:
        data = self.mapping(value, where)
        allowed = {"id", "label_fr", "label_en", "text_fr", "text_en", "check", "detect", "note"}
        self.keys(data, where, allowed | {"must_fit", "severity"})
        mention_id = self.text(data, "id", where)
        if mention_id and not _NAME.match(mention_id):
            self.problem(where, f"mention id {mention_id!r} must be lower_snake_case")
        where = f"{where} ({mention_id})" if mention_id else where
        check = self.choice(data, "check", where, ("auto", "manual"))
        detect = None
        if check == "auto":
            if "detect" in data:
                detect = self.trigger(data["detect"], f"{where}.detect", _DETECT_KEYS)
            else:
                self.problem(where, "an automatic mention needs 'detect'")
        elif check == "manual" and "detect" in data:
            self.problem(where, "a manual mention has no 'detect'")
        must_fit = data.get("must_fit")
        if not isinstance(must_fit, bool):
            self.problem(where, "field 'must_fit' must be true or false")
        severity = None
        if "severity" in data:
            severity = self.choice(data, "severity", where, SEVERITIES)
            if check == "manual":
                self.problem(where, "a manual mention has no severity: it is a checklist item")
        return Mention(
            id=mention_id,
            label_fr=self.text(data, "label_fr", where),
            label_en=self.text(data, "label_en", where),
            check=cast(Literal["auto", "manual"], check or "manual"),
            detect=detect,
            must_fit=bool(must_fit),
            severity=cast(Severity | None, severity),
            text_fr=self.text(data, "text_fr", where, required=False) or None,
            text_en=self.text(data, "text_en", where, required=False) or None,
            note=self.text(data, "note", where, required=False),
        )

    def source(self, value: Any, where: str) -> Source:
        data = self.mapping(value, where)
        self.keys(data, where, {"instrument", "article", "version_date", "url", "verified", "note"})
        url = self.text(data, "url", where)
        if url and not _URL.match(url):
            self.problem(where, f"field 'url': {url!r} is not an http(s) URL")
        article = data.get("article", ...)
        if article is ...:
            self.problem(where, "field 'article' is missing (write null if unknown)")
            article = None
        elif article is not None and (not isinstance(article, str) or not article.strip()):
            self.problem(where, "field 'article' must be a non-empty string or null")
            article = None
        version = data.get("version_date", ...)
        if version is ...:
            self.problem(where, "field 'version_date' is missing (write null if unknown)")
            version = None
        elif isinstance(version, dt.date):
            version = version.isoformat()
        elif version is not None and not (
            isinstance(version, str) and _PARTIAL_DATE.match(version)
        ):
            self.problem(where, f"field 'version_date': {version!r} is not YYYY[-MM[-DD]]")
            version = None
        verified = data.get("verified")
        if not isinstance(verified, bool):
            self.problem(where, "field 'verified' must be true or false")
        note = self.text(data, "note", where, required=False)
        if verified is False and not note:
            self.problem(where, "an unverified source needs a 'note' saying what to verify")
        return Source(
            instrument=self.text(data, "instrument", where),
            article=article.strip() if isinstance(article, str) else None,
            version_date=version,
            url=url,
            verified=verified is True,
            note=note,
        )

    def exemption(self, value: Any, where: str) -> Exemption:
        data = self.mapping(value, where)
        self.keys(data, where, {"id", "note", "mask_lexicon", "when", "downgrade_to"})
        exemption_id = self.text(data, "id", where)
        where = f"{where} ({exemption_id})" if exemption_id else where
        mask = data.get("mask_lexicon")
        when = None
        if ("mask_lexicon" in data) == ("when" in data):
            self.problem(where, "needs exactly one of 'mask_lexicon' or 'when'")
        if "mask_lexicon" in data and mask not in self.lexicon_names:
            self.problem(where, f"field 'mask_lexicon': unknown lexicon {mask!r}")
        if "when" in data:
            when = self.trigger(data["when"], f"{where}.when", _WHEN_KEYS)
        downgrade = None
        if "downgrade_to" in data:
            if "when" not in data:
                self.problem(where, "'downgrade_to' only goes with 'when'")
            downgrade = self.choice(data, "downgrade_to", where, ("needs_approval", "warn"))
        return Exemption(
            id=exemption_id,
            note=self.text(data, "note", where),
            mask_lexicon=mask if isinstance(mask, str) else None,
            when=when,
            downgrade_to=cast(Severity | None, downgrade),
        )

    def example(self, value: Any, where: str, rule_kinds: tuple[str, ...]) -> Example | None:
        data = self.mapping(value, where)
        allowed = {"text", "expect", "kind", "severity", "context", "parent", "products"}
        self.keys(data, where, allowed | {"signals", "origin", "note"})
        text = self.text(data, "text", where)
        expect = self.choice(data, "expect", where, ("match", "no_match"))
        kind = data.get("kind", rule_kinds[0] if rule_kinds else "post")
        if rule_kinds and kind not in rule_kinds:  # no cascade when the rule's kinds are invalid
            self.problem(where, f"field 'kind': {kind!r} is not one of the rule's kinds")
        severity = None
        if "severity" in data:
            severity = self.choice(data, "severity", where, SEVERITIES)
            if expect == "no_match":
                self.problem(where, "a 'no_match' example has no severity")
        context: dict[str, str | bool] = {}
        if "context" in data:
            raw = self.mapping(data["context"], f"{where}.context")
            self.keys(raw, f"{where}.context", CONTEXT_KEYS)
            for key, item in raw.items():
                spec = CONTEXT_KEYS.get(key)
                if spec and self.context_value(spec, item, f"{where}.context.{key}"):
                    context[key] = item
        products: list[ExampleProduct] = []
        for index, item in enumerate(data.get("products") or []):
            here = f"{where}.products[{index}]"
            product = self.mapping(item, here)
            self.keys(product, here, {"name", "category", "status"})
            category = self.choice(product, "category", here, PRODUCT_CATEGORIES) or "medicine"
            statuses = self.choices(product, "status", here, PRODUCT_STATUSES, required=False)
            products.append(ExampleProduct(self.text(product, "name", here), category, statuses))
        parent = data.get("parent")
        if parent is not None and (not isinstance(parent, str) or not parent.strip()):
            self.problem(where, "field 'parent' must be the text replied to")
            parent = None
        origin = data.get("origin", "note")
        if origin not in ("note", "derived"):
            self.problem(where, f"field 'origin': unknown value {origin!r} (note or derived)")
        if expect is None or not text:
            return None
        return Example(
            text=text,
            expect=cast(Literal["match", "no_match"], expect),
            kind=cast(Kind, kind),
            severity=cast(Severity | None, severity),
            context=context,
            parent=parent,
            products=tuple(products),
            signals=self.choices(data, "signals", where, SIGNALS, required=False),
            origin=cast(Literal["note", "derived"], origin),
            note=self.text(data, "note", where, required=False),
        )

    def rule(self, value: Any, index: int) -> Rule | None:
        raw_id = value.get("id") if isinstance(value, dict) else None
        where = f"rule {raw_id}" if isinstance(raw_id, str) else f"rules[{index}]"
        data = self.mapping(value, where)
        if not data:
            return None
        required = {
            "id",
            "section",
            "title_fr",
            "title_en",
            "jurisdiction",
            "audience",
            "kinds",
            "severity",
            "source",
            "explanation_fr",
            "explanation_en",
            "remediation_fr",
            "remediation_en",
            "triggers",
            "examples",
        }
        self.keys(data, where, required | {"aliases", "exceptions", "note"})
        rule_id = self.text(data, "id", where)
        if rule_id and not _ID.match(rule_id):
            self.problem(where, f"field 'id': {rule_id!r} does not look like FR-MED-01")
        aliases = data.get("aliases") or []
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and _ID.match(a) for a in aliases
        ):
            self.problem(where, "field 'aliases' must be a list of rule ids")
            aliases = []
        section = self.choice(data, "section", where, SECTIONS)
        severity = self.choice(data, "severity", where, SEVERITIES)
        kinds = self.choices(data, "kinds", where, KINDS)

        sources: list[Source] = []
        raw_sources = data.get("source")
        if not isinstance(raw_sources, list) or not raw_sources:
            self.problem(where, "field 'source' must be a non-empty list of sources")
            raw_sources = []
        for number, item in enumerate(raw_sources):
            sources.append(self.source(item, f"{where}: source[{number}]"))

        triggers: list[Trigger] = []
        raw_triggers = data.get("triggers")
        if not isinstance(raw_triggers, list) or not raw_triggers:
            self.problem(where, "field 'triggers' must be a non-empty list")
            raw_triggers = []
        for number, item in enumerate(raw_triggers):
            triggers.append(self.trigger(item, f"{where}: triggers[{number}]", _TRIGGER_KEYS))

        exceptions: list[Exemption] = []
        raw_exceptions = data.get("exceptions") or []
        if not isinstance(raw_exceptions, list):
            self.problem(where, "field 'exceptions' must be a list")
            raw_exceptions = []
        for number, item in enumerate(raw_exceptions):
            exceptions.append(self.exemption(item, f"{where}: exceptions[{number}]"))

        examples: list[Example] = []
        raw_examples = data.get("examples")
        if not isinstance(raw_examples, list) or not raw_examples:
            self.problem(where, "field 'examples' must be a non-empty list")
            raw_examples = []
        for number, item in enumerate(raw_examples):
            example = self.example(item, f"{where}: examples[{number}]", kinds)
            if example is not None:
                examples.append(example)
        if raw_examples and not any(example.expect == "match" for example in examples):
            self.problem(where, "field 'examples' needs at least one 'match' example")

        if severity is not None:
            self.no_stronger_than(where, severity, triggers)
        rule = Rule(
            id=rule_id,
            section=section or "",
            title_fr=self.text(data, "title_fr", where),
            title_en=self.text(data, "title_en", where),
            jurisdiction=cast(
                tuple[Jurisdiction, ...], self.choices(data, "jurisdiction", where, JURISDICTIONS)
            ),
            audience=cast(tuple[Audience, ...], self.choices(data, "audience", where, AUDIENCES)),
            kinds=cast(tuple[Kind, ...], kinds),
            severity=cast(Severity, severity or "block"),
            sources=tuple(sources),
            explanation_fr=self.text(data, "explanation_fr", where),
            explanation_en=self.text(data, "explanation_en", where),
            remediation_fr=self.text(data, "remediation_fr", where),
            remediation_en=self.text(data, "remediation_en", where),
            triggers=tuple(triggers),
            exceptions=tuple(exceptions),
            examples=tuple(examples),
            aliases=tuple(aliases),
            note=self.text(data, "note", where, required=False),
        )
        for example in examples:
            audience = example.context.get("audience")
            if audience is not None and audience not in rule.audience:
                self.problem(where, f"an example's audience {audience!r} is not the rule's")
        return rule

    def no_stronger_than(self, where: str, severity: str, triggers: list[Trigger]) -> None:
        """The rule's severity is its strongest outcome: no trigger or mention may exceed it."""
        limit = SEVERITY_RANK[severity]
        for number, trigger in enumerate(triggers):
            stated = [trigger.severity] + [m.severity for m in trigger.requires_mention]
            for value in stated:
                if value is not None and SEVERITY_RANK[value] < limit:
                    self.problem(
                        f"{where}: triggers[{number}]",
                        f"severity {value!r} is stronger than the rule's severity {severity!r}",
                    )


def _list(values: Collection[str]) -> str:
    return ", ".join(str(value) for value in values)


# ---------------------------------------------------------------------------------------------
# Lexicons
# ---------------------------------------------------------------------------------------------


def _parse_lexicon(name: str, data: Any, label: str, problems: list[str]) -> Lexicon:
    def problem(where: str, message: str) -> None:
        problems.append(f"{label}: {where}: {message}" if where else f"{label}: {message}")

    if not isinstance(data, dict):
        problem("", "must be a mapping with 'description' and 'fr'/'en'/'any' entries")
        return Lexicon(name, "", ())
    for key in data:
        if key not in ("description", *LANGUAGES):
            problem("", f"unknown field {key!r} (allowed: description, fr, en, any)")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        problem("", "field 'description' is missing")
        description = ""
    if not any(data.get(lang) for lang in LANGUAGES):
        problem("", "has no entries (give at least one of fr, en, any)")
    entries: list[LexiconEntry] = []
    seen: dict[str, str] = {}
    for lang in LANGUAGES:
        items = data.get(lang)
        if items is None:
            continue
        if not isinstance(items, list) or not items:
            problem(lang, "must be a non-empty list")
            continue
        for index, item in enumerate(items):
            where = f"{lang}[{index}]"
            entry = _parse_entry(name, lang, item, where, problem)
            if entry is None:
                continue
            key = f"{entry.case_sensitive}:{entry.pattern.pattern}"
            if key in seen:
                problem(where, f"{entry.value!r} repeats {seen[key]} (same pattern once folded)")
            seen[key] = where
            entries.append(entry)
    return Lexicon(name=name, description=description.strip(), entries=tuple(entries))


def _parse_entry(
    lexicon: str, lang: str, item: Any, where: str, problem: Any
) -> LexiconEntry | None:
    checker = _Checker(())
    if isinstance(item, str):
        item = {"phrase": item}
    if not isinstance(item, dict):
        problem(where, f"{item!r} is not a string: quote it (YAML reads yes/no/on/off as booleans)")
        return None
    for key in item:
        if key not in ("phrase", "regex", "case_sensitive", "note"):
            problem(where, f"unknown field {key!r} (allowed: phrase, regex, case_sensitive, note)")
    if ("phrase" in item) == ("regex" in item):
        problem(where, "needs exactly one of 'phrase' or 'regex'")
        return None
    note = item.get("note") or ""
    case_sensitive = item.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool) or (case_sensitive and "regex" not in item):
        problem(where, "'case_sensitive' must be true or false, and only on a regex")
        case_sensitive = False
    if "regex" in item:
        pattern = checker.regex(item["regex"], where, case_sensitive=case_sensitive)
        for message in checker.problems:
            problem("", message)
        if checker.problems:
            return None
        return LexiconEntry(lexicon, lang, item["regex"], True, pattern, case_sensitive, note)
    phrase = item["phrase"]
    if not isinstance(phrase, str) or not phrase.strip():
        problem(where, f"{phrase!r} is not a non-empty phrase")
        return None
    try:
        pattern = phrase_pattern(phrase)
    except ValueError:
        problem(where, f"phrase {phrase!r} has no words once folded")
        return None
    return LexiconEntry(lexicon, lang, phrase.strip(), False, pattern, False, note)


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------

PACKAGE = "hygie.compliance.rules"
CATALOG_FILE = "catalog.yaml"
LEXICONS_DIR = "lexicons"


def load_catalog(
    path: Path | str | None = None, *, lexicons_dir: Path | str | None = None
) -> Catalog:
    """Read and validate a catalog and its lexicons.

    ``path`` defaults to the packaged ``catalog.yaml``; ``lexicons_dir`` defaults to the
    ``lexicons`` folder next to the catalog. Raises :class:`CatalogError` listing every problem.
    """
    catalog_file: Traversable = (
        resources.files(PACKAGE).joinpath(CATALOG_FILE) if path is None else Path(path)
    )
    folder: Traversable
    if lexicons_dir is not None:
        folder = Path(lexicons_dir)
    elif path is None:
        folder = resources.files(PACKAGE).joinpath(LEXICONS_DIR)
    else:
        folder = Path(path).parent / LEXICONS_DIR

    problems: list[str] = []
    lexicons: dict[str, Lexicon] = {}
    if not folder.is_dir():
        problems.append(f"lexicons folder {folder} is missing")
    else:
        for resource in sorted(folder.iterdir(), key=lambda item: item.name):
            if not resource.name.endswith(".yaml"):
                continue
            name = resource.name.removesuffix(".yaml")
            label = f"{LEXICONS_DIR}/{resource.name}"
            if not _NAME.match(name):
                problems.append(f"{label}: a lexicon file name must be lower_snake_case")
                continue
            lexicons[name] = _parse_lexicon(
                name, _read_yaml(resource, label, problems), label, problems
            )

    data = _read_yaml(catalog_file, catalog_file.name, problems)
    checker = _Checker(lexicons)
    if problems and data is None:
        raise CatalogError(problems)
    document = checker.mapping(data, catalog_file.name)
    checker.keys(document, catalog_file.name, {"version", "updated", "rules"})
    version = checker.text(document, "version", catalog_file.name)
    if version and not _VERSION.match(version):
        checker.problem(catalog_file.name, f"field 'version': {version!r} is not like 2026.11.1")
    updated = document.get("updated")
    if isinstance(updated, str):
        try:
            updated = dt.date.fromisoformat(updated)
        except ValueError:
            updated = None
    if not isinstance(updated, dt.date):
        checker.problem(catalog_file.name, "field 'updated' must be a date (YYYY-MM-DD)")
        updated = dt.date.min

    rules: list[Rule] = []
    raw_rules = document.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        checker.problem(catalog_file.name, "field 'rules' must be a non-empty list")
        raw_rules = []
    for index, item in enumerate(raw_rules):
        rule = checker.rule(item, index)
        if rule is not None:
            rules.append(rule)

    seen: set[str] = set()
    for rule in rules:
        for rule_id in (rule.id, *rule.aliases):
            if rule_id in seen:
                checker.problem(f"rule {rule.id}", f"id {rule_id!r} is used twice")
            seen.add(rule_id)
    used = {name for rule in rules for name in rule.lexicon_names()}
    used |= SIGNAL_LEXICONS | {INGREDIENT_LEXICON}
    for name in sorted(set(lexicons) - used):
        checker.problem(f"{LEXICONS_DIR}/{name}.yaml", "no rule uses this lexicon")

    problems.extend(checker.problems)
    if problems:
        raise CatalogError(problems)
    return Catalog(
        version=version, updated=updated, rules=tuple(rules), lexicons=MappingProxyType(lexicons)
    )


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The packaged catalog, loaded once per process."""
    return load_catalog()
