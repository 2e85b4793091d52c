"""What the checker takes and gives: plain frozen dataclasses, no Django."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hygie.compliance.rules.catalog import SEVERITY_RANK, Rule, Severity

MaxSeverity = Literal["block", "needs_approval", "warn", "ok"]


@dataclass(frozen=True, slots=True)
class ProductInfo:
    """A product the organisation knows more about than the BDPM does (its own master data), or
    a product linked to a draft by its metadata.

    ``statuses`` use the catalog's vocabulary (``PRODUCT_STATUSES``: ``otc``, ``liste_i``,
    ``reimbursed``, ``advertising_restricted``, ``unauthorised``…); ``category`` one of
    ``medicine``, ``medical_device``, ``cosmetic``, ``food_supplement``. ``names`` are the brand
    and its synonyms, found in the text like lexicon phrases (whole words, any case or accents).
    """

    name: str
    category: str
    statuses: frozenset[str] = frozenset()
    inns: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    indications: tuple[str, ...] = ()
    visa_gp: str = ""
    visa_gp_expires: dt.date | None = None

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Facts about a draft that its words do not say.

    ``audience`` and ``kind`` select the rules (``rules_for``); the other fields are the
    catalog's ``CONTEXT_KEYS`` (``None`` means the key's documented default). ``products``
    are products linked by metadata (found whether or not the text names them); ``signals``
    are detectors the caller ran (image analysis, link targets): the checker adds those it can
    compute from the text. ``parent_text`` is the comment, message or review replied to.
    """

    audience: str = "pharmacy"
    kind: str = "post"
    lang: str | None = None
    network: str | None = None
    target_countries: tuple[str, ...] = ("FR",)
    account_type: str | None = None
    visibility: str | None = None
    paid_partnership: bool | None = None
    sponsored: bool | None = None
    reposted_ugc: bool | None = None
    has_visa_gp: bool | None = None
    has_dm_authorisation: bool | None = None
    has_consent_record: bool | None = None
    comments_enabled: bool | None = None
    sharing_enabled: bool | None = None
    parent_potential_ae: bool | None = None
    parent_text: str | None = None
    parent_author: str | None = None
    products: tuple[ProductInfo, ...] = ()
    signals: frozenset[str] = frozenset()
    #: Character limit of the target network (mandatory mentions must fit: ``must_fit``),
    #: and how that network counts (default: code points).
    char_limit: int | None = None
    measure: Callable[[str], int] | None = None

    def value(self, key: str) -> Any:
        """The context key's value as the catalog's triggers see it (``None``: the default)."""
        if key == "target_country":
            return self.target_countries
        if key == "account_type":
            return self.account_type or self.audience
        return getattr(self, key, None)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    #: What matched: a lexicon name, ``product:<name>``, ``pattern`` or ``signal:<name>``.
    cause: str


@dataclass(frozen=True, slots=True)
class MissingMention:
    """A mandatory mention the text lacks (or that the reviewer must confirm: ``manual``)."""

    id: str
    label: str
    text: str | None
    check: Literal["auto", "manual"]
    must_fit: bool
    severity: Severity | None


@dataclass(frozen=True, slots=True)
class Citation:
    instrument: str
    article: str | None
    version_date: str | None
    url: str
    verified: bool

    def label(self) -> str:
        return f"{self.instrument}, {self.article}" if self.article else self.instrument


@dataclass(frozen=True, slots=True)
class RuleText:
    """What a finding of a rule says, in one language (the same for every finding)."""

    title: str
    message: str
    explanation: str
    suggestion: str
    citations: tuple[Citation, ...]

    @classmethod
    def of(cls, rule: Rule, english: bool) -> RuleText:
        citations = tuple(
            Citation(s.instrument, s.article, s.version_date, s.url, s.verified)
            for s in rule.sources
        )
        title = rule.title_en if english else rule.title_fr
        cited = citations[0].label() if citations else ""
        return cls(
            title=title,
            message=f"{title} ({cited})" if cited else title,
            explanation=rule.explanation_en if english else rule.explanation_fr,
            suggestion=rule.remediation_en if english else rule.remediation_fr,
            citations=citations,
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule a draft breaks. ``start``/``end`` are code-point offsets into the checked text
    (the first span; ``spans`` holds them all); a finding about the whole draft (a missing
    mention, a context fact) spans the whole text."""

    rule: str
    severity: Severity
    start: int
    end: int
    title: str
    message: str
    explanation: str
    suggestion: str
    citations: tuple[Citation, ...]
    spans: tuple[Span, ...] = ()
    missing_mentions: tuple[MissingMention, ...] = ()
    #: An exception that lowered the severity (``downgrade_to``), if any.
    exemption: str | None = None
    #: Publishing on the context's network is refused: the mentions cannot fit its limit.
    does_not_fit: bool = False
    #: ``rules`` (a catalog trigger held) or ``model`` (the learned model's opinion,
    #: :mod:`hygie.compliance.checker.learned`, with its probability in ``score``).
    source: str = "rules"
    score: float | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "suggestion": self.suggestion,
            "source": [c.label() for c in self.citations],
        }
        if self.source == "model":
            data["detected_by"] = "model"
            data["model_score"] = self.score
        return data


@dataclass(frozen=True, slots=True)
class CheckResult:
    text: str
    lang: str
    catalog_version: str
    findings: tuple[Finding, ...] = ()
    #: Mentions to insert or confirm, for the composer's checklist.
    mentions: tuple[MissingMention, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def max_severity(self) -> MaxSeverity:
        if not self.findings:
            return "ok"
        return min((f.severity for f in self.findings), key=SEVERITY_RANK.__getitem__)

    @property
    def blocked(self) -> bool:
        return self.max_severity == "block"

    @property
    def needs_approval(self) -> bool:
        return self.max_severity in ("block", "needs_approval")
