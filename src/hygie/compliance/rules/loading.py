"""Reading and validating the rules catalog: ``catalog.yaml`` and ``lexicons/*.yaml`` in, the
frozen model of :mod:`hygie.compliance.rules.catalog` out.

:func:`load_catalog` reads the YAML strictly (safe loading, no duplicate keys), checks every field
against the format documented in :mod:`hygie.compliance.rules.catalog` and returns a frozen
:class:`~hygie.compliance.rules.catalog.Catalog`; it collects every problem and raises them all at
once as a :class:`~hygie.compliance.rules.catalog.CatalogError`, each naming the file, the rule id
and the field. The cached :func:`~hygie.compliance.rules.catalog.default_catalog` calls it.

Pure Python (standard library and PyYAML), no Django.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import yaml

from hygie.compliance.rules.catalog import (
    AUDIENCES,
    CONTEXT_KEYS,
    INGREDIENT_LEXICON,
    JURISDICTIONS,
    KINDS,
    LANGUAGES,
    PRODUCT_CATEGORIES,
    PRODUCT_STATUSES,
    SECTIONS,
    SEVERITIES,
    SEVERITY_RANK,
    SIGNAL_LEXICONS,
    SIGNALS,
    Audience,
    Catalog,
    CatalogError,
    ContextKey,
    Example,
    ExampleProduct,
    Exemption,
    Jurisdiction,
    Kind,
    Lexicon,
    LexiconEntry,
    Mention,
    ProductCondition,
    Rule,
    Severity,
    Source,
    Trigger,
    fold,
    phrase_pattern,
)

_ID = re.compile(r"^[A-Z]{2,}(?:-[A-Z]+)*-\d{2}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d+$")
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_URL = re.compile(r"^https?://\S+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


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
        #: ``lexicon_groups``: a name for a list of lexicons that several conditions share.
        self.groups: dict[str, tuple[str, ...]] = {}
        self.used_groups: set[str] = set()

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

    def items(
        self, data: Mapping[str, Any], key: str, where: str, expected: str, *, required: bool = True
    ) -> list[Any]:
        """The list under ``key`` (``[]``, with a problem, when it is not one, or is empty and
        ``required``; an absent optional list is empty)."""
        value = data.get(key) if required else data.get(key) or []
        if not isinstance(value, list) or (required and not value):
            self.problem(where, f"field '{key}' must be {expected}")
            return []
        return value

    def names(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        """A list of lexicon names, each of which must exist. In ``any_lexicon`` and
        ``no_lexicon`` a group name (``lexicon_groups``) stands for its lexicons: "any of"
        and "none of" a group are "any of" and "none of" its members."""
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.problem(where, f"field {key!r} must be a non-empty list of lexicon names")
            return ()
        names: list[str] = []
        for name in value:
            if name in self.groups:
                if key == "all_lexicons":
                    self.problem(
                        where,
                        f"field {key!r}: a lexicon group ({name!r}) means any of its "
                        "lexicons; list the lexicons that must all match",
                    )
                    continue
                self.used_groups.add(name)
                members = self.groups[name]
            elif name in self.lexicon_names:
                members = (name,)
            else:
                self.problem(where, f"field {key!r}: unknown lexicon {name!r}")
                continue
            for member in members:
                if member in names:
                    self.problem(where, f"field {key!r}: lexicon {member!r} is listed twice")
                else:
                    names.append(member)
        return tuple(names)

    def lexicon_groups(self, value: Any, where: str) -> None:
        """``lexicon_groups: {name: [lexicon, ...]}``: read before the rules that use them.

        A mistake in a group's list is reported here, once: the group keeps its name (standing
        for its known lexicons), so the conditions that use it do not report it again as an
        unknown lexicon, nor its lexicons as unused."""
        for name, members in self.mapping(value, where).items():
            here = f"{where}.{name}"
            if not _NAME.match(name):
                self.problem(here, "a group name must be lower_snake_case")
                continue
            if name in self.lexicon_names:
                self.problem(here, "a group cannot have the name of a lexicon")
                continue
            listed = members if isinstance(members, list) else []
            if not listed or not all(isinstance(member, str) for member in listed):
                self.problem(here, "must be a non-empty list of lexicon names")
            else:
                for member in listed:
                    if member not in self.lexicon_names:
                        self.problem(
                            here, f"unknown lexicon {member!r} (groups hold lexicons only)"
                        )
                for repeated in sorted({m for m in listed if listed.count(m) > 1}):
                    self.problem(here, f"lexicon {repeated!r} is repeated")
            known = (m for m in listed if isinstance(m, str) and m in self.lexicon_names)
            self.groups[name] = tuple(dict.fromkeys(known))

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

        sources = [
            self.source(item, f"{where}: source[{number}]")
            for number, item in enumerate(
                self.items(data, "source", where, "a non-empty list of sources")
            )
        ]
        triggers = [
            self.trigger(item, f"{where}: triggers[{number}]", _TRIGGER_KEYS)
            for number, item in enumerate(self.items(data, "triggers", where, "a non-empty list"))
        ]
        exceptions = [
            self.exemption(item, f"{where}: exceptions[{number}]")
            for number, item in enumerate(
                self.items(data, "exceptions", where, "a list", required=False)
            )
        ]
        examples: list[Example] = []
        raw_examples = self.items(data, "examples", where, "a non-empty list")
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
    checker.keys(document, catalog_file.name, {"version", "updated", "lexicon_groups", "rules"})
    if "lexicon_groups" in document:
        checker.lexicon_groups(document["lexicon_groups"], f"{catalog_file.name}: lexicon_groups")
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
    for name in sorted(set(checker.groups) - checker.used_groups):
        checker.problem(f"{catalog_file.name}: lexicon_groups.{name}", "no rule uses this group")

    problems.extend(checker.problems)
    if problems:
        raise CatalogError(problems)
    return Catalog(
        version=version, updated=updated, rules=tuple(rules), lexicons=MappingProxyType(lexicons)
    )
