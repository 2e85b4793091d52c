"""Apply the rules catalog to a text: ``Checker().check(text, context) -> CheckResult``.

One pass finds every lexicon entry (:mod:`.index`) and every medicine name (the BDPM product
lexicon, plus the organisation's own products), then each rule that applies to the draft's
audience, kind and target countries is evaluated from those hits: a rule fires when one of its
triggers holds (all the trigger's conditions hold), exceptions mask hits or excuse the
situation, and missing mandatory mentions are listed (and must fit the network's limit).
Deterministic: the same text and context give the same findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from operator import attrgetter

from hygie.compliance.checker import signals as detectors
from hygie.compliance.checker.folding import Folded
from hygie.compliance.checker.index import Entry, Hits, Index
from hygie.compliance.checker.learned import Assessment, Evidence, RiskModel, default_model
from hygie.compliance.checker.opinion import SecondOpinion, evidence_of
from hygie.compliance.checker.types import (
    CheckContext,
    CheckResult,
    Finding,
    MissingMention,
    ProductInfo,
    RuleText,
    Span,
)
from hygie.compliance.lexicon.matcher import ProductLexicon, ProductMention
from hygie.compliance.rules.catalog import (
    CONTEXT_KEYS,
    INGREDIENT_LEXICON,
    SEVERITY_RANK,
    Catalog,
    Mention,
    ProductCondition,
    Rule,
    Severity,
    Trigger,
    default_catalog,
    fold,
    phrase_pattern,
)

_ORG_PRODUCT = "\0product:"
#: Names a rule's gate uses for a product's category, a product's category and status, and
#: "the draft replies to a text".
_CATEGORY = "\0category:"
_STATUS = "\0status:"
_PARENT = "\0parent"
_NEVER = "\0never"
#: The lexicon whose substances give a medicine the status ``abuse_prone`` (FR-PHARMA-04).
ABUSE_PRONE_LEXICON = "abuse_prone_substances"
_WORDS = re.compile(r"\w+")
_PATTERN = "\0pattern:"
_CACHE_LIMIT = 100_000
#: :func:`fold` of product names and INNs (a bounded vocabulary, folded once each).
_fold_name = lru_cache(maxsize=16_384)(fold)
#: Lexicons that feed computed signals.
_SYMPTOMS = ("disease_terms",)
_HYPE = ("hype_emphasis", "superlatives")
#: What a person was exposed to (a medicine form, a vaccine, "votre produit"), and the words that
#: tie a health event to it ("depuis", "après", "since starting") or the event itself (ae_cues:
#: a symptom, a special situation): the two halves of an adverse-event report (PV-08).
_EXPOSURE = "exposure_words"
_AE_LINK = ("ae_link_cues", "ae_cues")
#: Verbs of effect ("traite", "agit sur", "lowers"): asserted next to a product, a claim.
_EFFECT = ("effect_verbs", "cure_claims")
#: A product category, the words that name such a product when the dictionary has no entry
#: for it, and the signal set when a disease claim is made for it (EU-FOOD-01, EU-COSM-02).
_DISEASE_CLAIMS = (
    ("food_supplement", "supplement_product_words", "supplement_disease_claim"),
    ("cosmetic", "cosmetic_product_words", "cosmetic_disease_claim"),
)
#: How far (characters, same sentence) a verb may stand from the brand or the disease it
#: speaks of, and a disease claim from the product it is made for.
_EFFECT_DISTANCE = 60
_PRODUCT_DISTANCE = 120


@dataclass(frozen=True, slots=True)
class ProductHit:
    """A product the draft refers to: named in the text (``spans``) or linked by metadata."""

    name: str
    category: str
    statuses: frozenset[str]
    inns: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()
    origin: str = "bdpm"  # bdpm | organisation | linked
    kind: str = "brand"


def mention_statuses(mention: ProductMention) -> frozenset[str]:
    """The catalog's statuses for a BDPM name. A brand family takes its strictest list and
    is ``reimbursed``/``otc`` when any presentation is; an INN counts as listed only when
    every product containing it is (paracetamol is sold both ways: neither status)."""
    statuses: set[str] = set()
    if mention.kind == "brand":
        statuses.update(status for status in mention.statuses if status != "none")
        if mention.status != "none":
            statuses.add(mention.status)
        if mention.reimbursed:
            statuses.add("reimbursed")
    else:
        listed = set(mention.statuses)
        if len(listed) == 1 and "none" not in listed:
            statuses.update(listed)
    if statuses & {"liste_i", "liste_ii", "stupefiant"} and not mention.otc:
        statuses.add("prescription")
    if mention.otc:
        statuses.add("otc")
    return frozenset(statuses)


@dataclass(slots=True)
class Analysis:
    """What one pass found in a text."""

    folded: Folded
    hits: Hits
    products: list[ProductHit]
    signals: set[str] = field(default_factory=set)
    tone: float = 0.0
    #: The folded words, in order.
    words: list[str] = field(default_factory=list)
    lang: str = "fr"
    #: The names with at least one hit.
    present: frozenset[str] = frozenset()
    #: Worked out once per analysis: a lexicon's spans (no mask), the products a condition
    #: matches, whether a trigger's context conditions hold (shared by the checks of one
    #: context).
    spans: dict[str, list[Span]] = field(default_factory=dict)
    matching: dict[int, list[ProductHit]] = field(default_factory=dict)
    product_spans: dict[int, list[Span]] = field(default_factory=dict)
    context_holds: dict[int, bool] = field(default_factory=dict)
    #: The names with hits, the signals, the products' categories and statuses
    #: (:func:`_product_tokens`) and :data:`_PARENT`: what the rules' gates look at.
    available: set[str] = field(default_factory=set)


_Needs = tuple[frozenset[str], frozenset[str], frozenset[str], str, bool, frozenset[str]]
"""What a trigger needs of an analysis, a necessary condition checked with set operations:
every lexicon of ``all_lexicons`` with hits, one of ``any_lexicon``, one of the product tokens
(:func:`_product_tokens`), the pattern's hits, a parent, one of ``any_signal``."""


@dataclass(frozen=True, slots=True)
class _RulePlan:
    """A rule under one context: the triggers whose context conditions hold, each with its
    necessary condition (:attr:`Checker._needs`), and the rule's gate for those triggers
    (:meth:`Checker._gate`)."""

    triggers: tuple[tuple[Trigger, _Needs], ...]
    gate: frozenset[str] | None


#: The rules that apply to one context, each with its plan.
RulePlans = tuple[tuple[Rule, _RulePlan], ...]


@dataclass(slots=True)
class _Outcome:
    severity: Severity
    spans: list[Span]
    missing: list[MissingMention]
    does_not_fit: bool = False


@dataclass(slots=True)
class _Run:
    """What the rules made of a draft (:meth:`Checker._run_rules`)."""

    analysis: Analysis
    parent: Analysis | None
    plans: RulePlans
    findings: list[Finding]
    checklist: dict[str, MissingMention]


_START_END = attrgetter("start", "end")


def _overlaps(span: tuple[int, int], others: Sequence[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


def _inside(span: tuple[int, int], others: Sequence[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in others)


def _weaker(a: Severity, b: Severity) -> Severity:
    return a if SEVERITY_RANK[a] >= SEVERITY_RANK[b] else b


def _stronger(a: Severity, b: Severity) -> Severity:
    return a if SEVERITY_RANK[a] <= SEVERITY_RANK[b] else b


class Checker:
    """The catalog, the BDPM lexicon and an organisation's products, ready to check texts.

    Building one compiles the index (a few milliseconds); keep it and call :meth:`check` for
    every text. Thread-safe: checking does not change the checker.
    """

    def __init__(
        self,
        catalog: Catalog | None = None,
        lexicon: ProductLexicon | None = None,
        products: Sequence[ProductInfo] = (),
        *,
        model: RiskModel | None = None,
        learned: bool = True,
    ) -> None:
        self.catalog = catalog or default_catalog()
        self.lexicon = lexicon if lexicon is not None else ProductLexicon.load_default()
        self.products = tuple(products)
        #: The learned second opinion (:mod:`.learned`), consulted when no rule blocks or asks for
        #: review: the one given, else the shipped one when it was trained on this catalog's
        #: version (its features are the catalog's lexicon names); ``learned=False``: the rules
        #: alone.
        if model is None and learned:
            shipped = default_model()
            if shipped is not None and shipped.catalog_version == self.catalog.version:
                model = shipped
        self.model = model if learned else None
        self._opinion = SecondOpinion(self.model) if self.model is not None else None
        entries = [
            Entry(name, entry.pattern, entry.case_sensitive)
            for name, lexicon_ in self.catalog.lexicons.items()
            for entry in lexicon_.entries
        ]
        for number, product in enumerate(self.products):
            for name in product.names():
                if name.strip():
                    entries.append(Entry(f"{_ORG_PRODUCT}{number}", phrase_pattern(name)))
        self._patterns: dict[int, str] = {}
        for rule in self.catalog.rules:
            for trigger in self._all_triggers(rule):
                if trigger.pattern is not None and id(trigger) not in self._patterns:
                    key = f"{_PATTERN}{len(self._patterns)}"
                    self._patterns[id(trigger)] = key
                    entries.append(Entry(key, trigger.pattern))
        self.entries = tuple(entries)
        abuse = self.catalog.lexicons.get(ABUSE_PRONE_LEXICON)
        self._abuse_prone = frozenset(
            fold(entry.value) for entry in (abuse.entries if abuse else ()) if not entry.is_regex
        )
        self._needs: dict[int, _Needs] = {}
        #: Product conditions by value: the products one matches are worked out once per
        #: analysis for all the equal conditions of the catalog.
        self._conditions_ids: dict[int, int] = {}
        values: dict[tuple[tuple[str, ...], ...], int] = {}
        for rule in self.catalog.rules:
            for trigger in _every_trigger(rule):
                if trigger.product is not None:
                    value = (
                        trigger.product.categories,
                        trigger.product.statuses,
                        trigger.product.not_statuses,
                    )
                    self._conditions_ids[id(trigger.product)] = values.setdefault(
                        value, len(values)
                    )
        for rule in self.catalog.rules:
            for trigger in self._all_triggers(rule):
                self._needs[id(trigger)] = (
                    frozenset(trigger.all_lexicons),
                    frozenset(trigger.any_lexicon),
                    _product_tokens(trigger.product),
                    self._patterns.get(id(trigger), ""),
                    trigger.parent is not None,
                    frozenset(trigger.any_signal),
                )
        self.index = Index(entries)
        self._rules: dict[tuple[str, str, tuple[str, ...]], tuple[Rule, ...]] = {}
        #: Every context key a trigger tests (those of exceptions, mentions and parents too):
        #: the context's values for them select the rule plans and the memo of the triggers'
        #: context conditions (two contexts with the same values get the same answers).
        self._context_keys = tuple(
            sorted(
                {
                    key
                    for rule in self.catalog.rules
                    for t in _every_trigger(rule)
                    for key in t.context
                }
            )
        )
        self._by_context: dict[tuple[object, ...], tuple[RulePlans, dict[int, bool]]] = {}
        #: The last context checked and its plans (a caller often checks many texts with one).
        self._last: tuple[CheckContext, tuple[RulePlans, dict[int, bool]]] | None = None
        self._texts: dict[tuple[int, bool], RuleText] = {}
        self._statuses: dict[tuple[object, ...], frozenset[str]] = {}
        self._mentions: dict[tuple[object, ...], MissingMention] = {}

    def _plans_for(self, context: CheckContext) -> tuple[RulePlans, dict[int, bool]]:
        """The rules that apply to ``context`` with a trigger whose context conditions hold
        (a trigger whose context fails gives nothing, so leaving it out changes nothing),
        each with its plan, and the memo of the triggers' context conditions: worked out
        once per context (its values for :attr:`_context_keys`, and the rules it selects)."""
        last = self._last
        if last is not None and last[0] is context:
            return last[1]
        key = (
            tuple(map(context.value, self._context_keys)),
            context.audience,
            context.kind,
            tuple(sorted(set(context.target_countries))),
        )
        cached = self._by_context.get(key)
        if cached is None:
            plans = ((rule, self._plan(rule, context)) for rule in self.rules_for(context))
            cached = (tuple((rule, plan) for rule, plan in plans if plan.triggers), {})
            if len(self._by_context) > 1_000:
                self._by_context.clear()
            self._by_context[key] = cached
        self._last = (context, cached)
        return cached

    def _plan(self, rule: Rule, context: CheckContext) -> _RulePlan:
        triggers = tuple(
            (trigger, self._needs[id(trigger)])
            for trigger in rule.triggers
            if all(
                _context_holds(key, allowed, context) for key, allowed in trigger.context.items()
            )
        )
        return _RulePlan(triggers, self._gate(triggers))

    @staticmethod
    def _gate(triggers: Iterable[tuple[Trigger, _Needs]]) -> frozenset[str] | None:
        """Names of which the analysis must hold one for one of ``triggers`` to pass its
        necessary condition (a lexicon or pattern with hits, a signal, a product's category
        and status, or :data:`_PARENT`: see :meth:`check`); ``None`` when a trigger needs
        none of them (context only). One requirement per trigger, the likely rarest."""
        gate: set[str] = set()
        for trigger, needs in triggers:
            _all_of, any_of, products, pattern, needs_parent, signals = needs
            if pattern:
                gate.add(pattern)
            elif products:
                gate |= products
            elif trigger.all_lexicons:
                gate.add(trigger.all_lexicons[0])
            elif signals:
                gate |= signals
            elif any_of:
                gate |= any_of
            elif needs_parent:
                gate.add(_PARENT)
            else:
                return None
        return frozenset(gate)

    @staticmethod
    def _all_triggers(rule: Rule) -> Iterable[Trigger]:
        for trigger in rule.triggers:
            yield trigger
            if trigger.parent is not None:
                yield trigger.parent
            for mention in trigger.requires_mention:
                if mention.detect is not None:
                    yield mention.detect
        for exemption in rule.exceptions:
            if exemption.when is not None:
                yield exemption.when
                if exemption.when.parent is not None:
                    yield exemption.when.parent

    # -- analysis ------------------------------------------------------------------------------

    def analyse(
        self, text: str, linked: Sequence[ProductInfo] = (), *, hits: Hits | None = None
    ) -> Analysis:
        folded = Folded.of(text)
        if hits is None:
            found, words = self.index.scan(folded)
        else:
            found, words = hits, _WORDS.findall(folded.folded)
        products: list[ProductHit] = []
        # "Vitamine C", "mélatonine", "sels d'aluminium": ingredients of a supplement or a
        # cosmetic, though the medicines database lists them (a brand that only begins so,
        # "Vitamine C Upsa", is longer than the ingredient and stays a medicine).
        ingredients = found.get(INGREDIENT_LEXICON)
        for mention in self.lexicon.find(text):
            if ingredients and _inside((mention.start, mention.end), ingredients):
                continue
            statuses = self._mention_statuses(mention)
            products.append(
                ProductHit(
                    name=mention.name,
                    category="medicine",
                    statuses=statuses,
                    inns=mention.inns,
                    spans=((mention.start, mention.end),),
                    kind=mention.kind,
                )
            )
        _inns_of_named_brands(products, text)
        for number, product in enumerate(self.products):
            spans = found.get(f"{_ORG_PRODUCT}{number}")
            if spans:
                products.append(self._org_hit(product, tuple(spans), "organisation"))
        for product in linked:
            products.append(self._org_hit(product, (), "linked"))
        analysis = Analysis(
            folded,
            found,
            products,
            words=words,
            present=frozenset(name for name, spans in found.items() if spans),
        )
        self._signals(analysis)
        return analysis

    def _mention_statuses(self, mention: ProductMention) -> frozenset[str]:
        """:func:`mention_statuses`, and ``abuse_prone`` for a medicine of an abuse-prone
        substance; worked out once per name (the statuses depend on the entry alone)."""
        key = (
            mention.name,
            mention.kind,
            mention.inns,
            mention.status,
            mention.statuses,
            mention.otc,
            mention.reimbursed,
        )
        statuses = self._statuses.get(key)
        if statuses is None:
            statuses = mention_statuses(mention)
            if self._abuse_prone and not self._abuse_prone.isdisjoint(
                _fold_name(inn) for inn in (*mention.inns, mention.name)
            ):
                statuses |= {"abuse_prone"}
            if len(self._statuses) > _CACHE_LIMIT:
                self._statuses.clear()
            self._statuses[key] = statuses
        return statuses

    @staticmethod
    def _org_hit(
        product: ProductInfo, spans: tuple[tuple[int, int], ...], origin: str
    ) -> ProductHit:
        return ProductHit(
            name=product.name,
            category=product.category,
            statuses=product.statuses,
            inns=product.inns,
            spans=spans,
            origin=origin,
        )

    def _signals(self, analysis: Analysis) -> None:
        text = analysis.folded.text
        found = analysis.signals
        addresses: list[tuple[int, int]] | None = None
        inn_names = {_fold_name(hit.name) for hit in analysis.products if hit.kind == "inn"}
        for hit in analysis.products:
            inns = {_fold_name(inn) for inn in hit.inns}
            if hit.kind == "brand" and inns & inn_names:
                found.add("product_name_and_inn")
            if hit.spans and hit.category == "medicine" and hit.kind == "brand":
                found.add("medicine_brand_named")
            for span in hit.spans:
                if detectors.possessive_before(text, span[0]):
                    found.add("possessive_product_mention")
                if addresses is None:
                    addresses = detectors.urls(text)
                if addresses and detectors.inside(span, addresses):
                    found.add("link_to_product_site")
                if hit.kind == "brand" and detectors.hashtag_before(text, span[0]):
                    found.add("brand_hashtag")
        symptoms = [span for name in _SYMPTOMS for span in analysis.hits.get(name, ())]
        if symptoms and detectors.symptom_checklist(text, symptoms):
            found.add("symptom_checklist")
        for number, product in enumerate(self.products):
            if not product.indications or not analysis.hits.get(f"{_ORG_PRODUCT}{number}"):
                continue
            approved = " ".join(fold(indication) for indication in product.indications)
            if any(fold(text[s:e]) not in approved for s, e in symptoms):
                found.add("off_label_indication")
        exposure = [span for hit in analysis.products for span in hit.spans]
        exposure.extend(analysis.hits.get(_EXPOSURE, ()))
        links = [span for name in _AE_LINK for span in analysis.hits.get(name, ())]
        if exposure and links and detectors.near(exposure, links, text):
            found.add("adverse_event_report")
        self._claim_signals(analysis)
        hype = sum(len(analysis.hits.get(name, ())) for name in _HYPE)
        analysis.tone = detectors.tone_score(text, len(analysis.words), hype_hits=hype)
        if analysis.tone >= detectors.TONE_THRESHOLD:
            found.add("sensational_tone")

    @staticmethod
    def _claim_signals(analysis: Analysis) -> None:
        """Claims made of a product, found by proximity rather than fixed phrases: a verb of
        effect asserted in the same sentence as a brand (``brand_effect_claim``), or as a
        disease term and a supplement or cosmetic (``supplement_disease_claim``,
        ``cosmetic_disease_claim``: 1169/2011 art. 7, 1223/2009 art. 2), and an amount of
        body weight next to a word of losing it (``weight_loss_amount``: 1924/2006 art. 12)."""
        text = analysis.folded.text
        hits = analysis.hits
        found = analysis.signals
        amounts = hits.get("weight_amounts")
        losses = hits.get("weight_loss_words")
        if amounts and losses and detectors.near(amounts, losses, text, distance=40):
            found.add("weight_loss_amount")
        effects = [
            span
            for name in _EFFECT
            for span in hits.get(name, ())
            if detectors.asserted(text, span)
        ]
        if not effects:
            return
        products = analysis.products
        brands = [span for hit in products if hit.kind == "brand" for span in hit.spans]
        if brands and detectors.near(brands, effects, text, distance=_EFFECT_DISTANCE):
            found.add("brand_effect_claim")
        diseases = hits.get("disease_terms", ())
        claims = [
            span
            for span in diseases
            if detectors.near((span,), effects, text, distance=_EFFECT_DISTANCE)
        ]
        if not claims:
            return
        for category, words, signal in _DISEASE_CLAIMS:
            of_category = [hit for hit in products if hit.category == category]
            if any(not hit.spans for hit in of_category):  # linked: the draft is about it
                found.add(signal)
                continue
            named = [span for hit in of_category for span in hit.spans]
            named.extend(hits.get(words, ()))
            if named and detectors.near(claims, named, text, distance=_PRODUCT_DISTANCE):
                found.add(signal)

    # -- rules ---------------------------------------------------------------------------------

    def rules_for(self, context: CheckContext) -> tuple[Rule, ...]:
        key = (context.audience, context.kind, tuple(sorted(set(context.target_countries))))
        rules = self._rules.get(key)
        if rules is None:
            rules = self.catalog.rules_for(context.audience, context.kind, key[2] or ("FR",))
            self._rules[key] = rules
        return rules

    def check(self, text: str, context: CheckContext | None = None) -> CheckResult:
        """Every finding of every applicable rule, strongest first, then by position."""
        return self._check(text, context or CheckContext(), None)[0]

    def assess(
        self, text: str, context: CheckContext | None = None, *, threshold: float = 0.0
    ) -> tuple[CheckResult, Assessment | None]:
        """The check, and the model's assessment at ``threshold`` (instead of the model's own)
        when the rules did not block: how cross-validation sees the engine's decisions."""
        return self._check(text, context or CheckContext(), threshold)

    def _check(
        self, text: str, context: CheckContext, threshold: float | None
    ) -> tuple[CheckResult, Assessment | None]:
        run = self._run_rules(text, context)
        analysis, findings = run.analysis, run.findings
        assessment = None
        # The model weighs what the rules did not refuse: a draft they let out, or send to
        # review (``needs_approval``), that a careful regulatory pharmacist would refuse is
        # raised to a block (only the responsible pharmacist may then override it). A draft
        # the rules already refuse keeps the catalog's findings.
        if self._opinion is not None and not any(f.severity == "block" for f in findings):
            findings, assessment = self._opinion.weigh(
                text, analysis, run.parent, context, findings, run.plans, threshold
            )
        findings.sort(key=lambda f: (SEVERITY_RANK[f.severity], f.start, f.rule))
        result = CheckResult(
            text=text,
            lang=analysis.lang,
            catalog_version=self.catalog.version,
            findings=tuple(findings),
            mentions=tuple(run.checklist.values()),
            extra={
                "tone": analysis.tone,
                "products": [hit.name for hit in analysis.products if hit.spans],
                "signals": sorted(analysis.signals),
            },
        )
        return result, assessment

    def _run_rules(self, text: str, context: CheckContext) -> _Run:
        """The analysis of the draft (and of its parent) and the rules' findings, unsorted."""
        analysis = self.analyse(text, context.products)
        if context.kind == "post":  # "votre Doliprane" speaks to one person only in a reply
            analysis.signals.discard("possessive_product_mention")
        analysis.signals.update(context.signals)
        if context.parent_author and _names_author(text, context.parent_author):
            analysis.signals.add("mentions_reviewer_name")
        parent = self.analyse(context.parent_text) if context.parent_text else None
        conditions = analysis.hits.get("disease_terms")
        if conditions and parent is not None and context.kind != "post":
            revealed = detectors.revealed_conditions(
                analysis.folded.text,
                conditions,
                context.parent_text or "",
                analysis.hits.get("health_data_requests", ()),
                parent_conditions=bool(parent.hits.get("disease_terms")),
            )
            if revealed:
                analysis.signals.add("revealed_condition")
        lang = context.lang if context.lang in ("fr", "en") else None
        lang = lang or detectors.guess_language(analysis.words)
        analysis.lang = lang
        findings: list[Finding] = []
        checklist: dict[str, MissingMention] = {}
        # What the analysis holds, for the rules' gates: most rules stop at one set operation.
        available = analysis.signals.union(analysis.present)
        for hit in analysis.products:
            available.add(f"{_CATEGORY}{hit.category}")
            available.update(f"{_STATUS}{hit.category}:{status}" for status in hit.statuses)
        if parent is not None:
            available.add(_PARENT)
        analysis.available = available
        plans, analysis.context_holds = self._plans_for(context)
        for rule, plan in plans:
            if plan.gate is not None and available.isdisjoint(plan.gate):
                continue  # no trigger can pass its necessary condition: _apply gives None
            finding = self._apply(rule, plan.triggers, analysis, parent, context, lang)
            if finding is None:
                continue
            findings.append(finding)
            for mention in finding.missing_mentions:
                checklist.setdefault(mention.id, mention)
        return _Run(analysis, parent, plans, findings, checklist)

    def evidence(self, text: str, context: CheckContext | None = None) -> Evidence:
        """What :mod:`.learned` reads of a draft: the rules' own analysis and findings (the
        model left out), as the engine gives it to the model (for training)."""
        context = context or CheckContext()
        run = self._run_rules(text, context)
        return evidence_of(run.analysis, run.parent, context, run.findings)

    def _apply(
        self,
        rule: Rule,
        triggers: Iterable[tuple[Trigger, _Needs]],
        analysis: Analysis,
        parent: Analysis | None,
        context: CheckContext,
        lang: str,
    ) -> Finding | None:
        """``rule``'s finding, from ``triggers`` (those of its triggers that may hold in the
        context), or ``None``."""
        present = analysis.present
        candidates = []
        available = analysis.available
        for trigger, needs in triggers:
            # A necessary condition first, with set operations: most triggers stop here.
            all_of, any_of, products, pattern, needs_parent, signals = needs
            if (
                (all_of and not all_of <= present)
                or (any_of and present.isdisjoint(any_of))
                or (products and available.isdisjoint(products))
                or (pattern and pattern not in present)
                or (needs_parent and parent is None)
                or (signals and analysis.signals.isdisjoint(signals))
            ):
                continue
            candidates.append(trigger)
        if not candidates:
            return None
        masks: list[tuple[int, int]] = []
        for exemption in rule.exceptions:
            if exemption.mask_lexicon:
                masks.extend(analysis.hits.get(exemption.mask_lexicon, ()))
        outcome: _Outcome | None = None
        for trigger in candidates:
            result = self._trigger(trigger, rule, analysis, parent, context, masks)
            if result is None:
                continue
            if outcome is None:
                outcome = result
                continue
            outcome.severity = _stronger(outcome.severity, result.severity)
            outcome.spans.extend(result.spans)
            outcome.missing.extend(m for m in result.missing if m not in outcome.missing)
            outcome.does_not_fit = outcome.does_not_fit or result.does_not_fit
        if outcome is None:
            return None
        exemption_id = None
        for exemption in rule.exceptions:
            if exemption.when is None:
                continue
            if self._conditions(exemption.when, analysis, parent, context, masks) is None:
                continue
            if exemption.downgrade_to is None:
                return None
            weaker = _weaker(outcome.severity, exemption.downgrade_to)
            if weaker != outcome.severity:
                outcome.severity = weaker
                exemption_id = exemption.id
        return self._finding(rule, outcome, analysis.folded.text, lang, exemption_id)

    def _finding(
        self, rule: Rule, outcome: _Outcome, text: str, lang: str, exemption: str | None
    ) -> Finding:
        spans = sorted(set(outcome.spans), key=_START_END)
        located = [span for span in spans if span.end > span.start]
        # Point at the product first (the words to remove), else at the first words found.
        primary = [span for span in located if span.cause.startswith("product:")] or located
        start, end = (primary[0].start, primary[0].end) if primary else (0, len(text))
        english = lang == "en"
        texts = self._texts.get((id(rule), english))
        if texts is None:
            texts = self._texts[(id(rule), english)] = RuleText.of(rule, english)
        return Finding(
            rule=rule.id,
            severity=outcome.severity,
            start=start,
            end=end,
            title=texts.title,
            message=texts.message,
            explanation=texts.explanation,
            suggestion=texts.suggestion,
            citations=texts.citations,
            spans=tuple(located),
            missing_mentions=tuple(outcome.missing),
            exemption=exemption,
            does_not_fit=outcome.does_not_fit,
        )

    def _missing(self, mention: Mention, analysis: Analysis, english: bool) -> MissingMention:
        """:func:`_missing`, worked out once per mention, language and product named."""
        product = next((hit for hit in analysis.products if hit.spans), None)
        key = (
            id(mention),
            english,
            None if product is None else (product.name, product.kind, product.inns),
        )
        item = self._mentions.get(key)
        if item is None:
            item = _missing(mention, analysis, english)
            if len(self._mentions) > _CACHE_LIMIT:
                self._mentions.clear()
            self._mentions[key] = item
        return item

    def _lexicon_spans(
        self, name: str, analysis: Analysis, masks: Sequence[tuple[int, int]]
    ) -> list[Span]:
        spans = analysis.hits.get(name, ())
        if not masks:  # the same for every trigger: built once (callers do not change it)
            built = analysis.spans.get(name)
            if built is None:
                built = analysis.spans[name] = [Span(s, e, name) for s, e in spans]
            return built
        return [Span(s, e, name) for s, e in spans if not _overlaps((s, e), masks)]

    def _conditions(
        self,
        trigger: Trigger,
        analysis: Analysis,
        parent: Analysis | None,
        context: CheckContext,
        masks: Sequence[tuple[int, int]],
    ) -> list[Span] | None:
        """The spans supporting the trigger's conditions (mentions aside), or ``None``."""
        hits = analysis.hits
        if not masks:  # the cheap pass: most triggers fail on a missing lexicon
            present = analysis.present  # the names whose hits are not empty
            if trigger.all_lexicons and not present.issuperset(trigger.all_lexicons):
                return None
            if trigger.any_lexicon and present.isdisjoint(trigger.any_lexicon):
                return None
        if trigger.context:
            holds = analysis.context_holds.get(id(trigger))
            if holds is None:
                holds = analysis.context_holds[id(trigger)] = all(
                    _context_holds(key, allowed, context)
                    for key, allowed in trigger.context.items()
                )
            if not holds:
                return None
        # Every test is pure, so their order does not change the outcome: the cheap ones
        # first, the spans (in the documented order) gathered once they all hold.
        if trigger.any_signal and analysis.signals.isdisjoint(trigger.any_signal):
            return None
        if trigger.parent is not None and parent is None:
            return None
        matched: Sequence[tuple[int, int]] = ()
        if trigger.pattern is not None:
            matched = hits.get(self._patterns[id(trigger)], ())
            if not matched:
                return None
        products: list[ProductHit] = []
        if trigger.product is not None:
            condition = self._conditions_ids[id(trigger.product)]
            matching = analysis.matching.get(condition)
            if matching is None:
                matching = _matching_products(trigger.product, analysis.products)
                analysis.matching[condition] = matching
            if not matching:
                return None
            products = matching
        for name in trigger.no_lexicon:
            if self._lexicon_spans(name, analysis, masks):
                return None
        spans: list[Span] = []
        for name in trigger.all_lexicons:
            found = self._lexicon_spans(name, analysis, masks)
            if not found:
                return None
            spans.extend(found)
        if trigger.any_lexicon:
            any_found: list[Span] = []
            memo = analysis.spans
            for name in trigger.any_lexicon:
                built = None if masks else memo.get(name)
                any_found += self._lexicon_spans(name, analysis, masks) if built is None else built
            if not any_found:
                return None
            spans += any_found
        if trigger.parent is not None and (
            parent is None or self._conditions(trigger.parent, parent, None, context, ()) is None
        ):
            return None
        if matched:
            spans.extend(Span(s, e, "pattern") for s, e in matched)
        for hit in products:
            built = analysis.product_spans.get(id(hit))
            if built is None:
                built = [Span(s, e, f"product:{hit.name}") for s, e in hit.spans]
                analysis.product_spans[id(hit)] = built
            spans += built
        return spans

    def _trigger(
        self,
        trigger: Trigger,
        rule: Rule,
        analysis: Analysis,
        parent: Analysis | None,
        context: CheckContext,
        masks: Sequence[tuple[int, int]],
    ) -> _Outcome | None:
        spans = self._conditions(trigger, analysis, parent, context, masks)
        if spans is None:
            return None
        severity: Severity = trigger.severity or rule.severity
        if not trigger.requires_mention:
            return _Outcome(severity, spans, [])
        missing: list[tuple[Mention, MissingMention]] = []
        manual: list[MissingMention] = []
        lang_en = analysis.lang == "en"
        for mention in trigger.requires_mention:
            item = self._missing(mention, analysis, lang_en)
            if mention.check == "manual":
                manual.append(item)
            elif mention.detect is None or (
                self._conditions(mention.detect, analysis, None, context, ()) is None
            ):
                missing.append((mention, item))
        if not missing:
            return None
        severity = min(
            (mention.severity or severity for mention, _item in missing),
            key=SEVERITY_RANK.__getitem__,
        )
        does_not_fit = False
        if context.char_limit is not None:
            measure: Callable[[str], int] = context.measure or len
            extra = [item.text or "" for mention, item in missing if mention.must_fit]
            needed = measure("\n".join([analysis.folded.text, *extra]))
            if any(mention.must_fit for mention, _item in missing) and needed > context.char_limit:
                does_not_fit = True
                severity = "block"
        return _Outcome(severity, spans, [item for _m, item in missing] + manual, does_not_fit)


def _product_tokens(condition: ProductCondition | None) -> frozenset[str]:
    """What an analysis holds when a product meets ``condition`` (one of them): the product's
    category, with one of the required statuses if any. Empty: no product condition."""
    if condition is None:
        return frozenset()
    if not condition.categories:
        return frozenset({_NEVER})  # no product can meet it
    if condition.statuses:
        return frozenset(
            f"{_STATUS}{category}:{status}"
            for category in condition.categories
            for status in condition.statuses
        )
    return frozenset(f"{_CATEGORY}{category}" for category in condition.categories)


def _every_trigger(rule: Rule) -> Iterator[Trigger]:
    """Every trigger of ``rule``: its triggers, exceptions and mention detectors, and their
    parents, at any depth."""
    pending = list(Checker._all_triggers(rule))
    while pending:
        trigger = pending.pop()
        yield trigger
        if trigger.parent is not None:
            pending.append(trigger.parent)
        pending.extend(m.detect for m in trigger.requires_mention if m.detect is not None)


def _inns_of_named_brands(products: list[ProductHit], text: str) -> None:
    """An INN given as a brand's composition ("Lysopaïne (tyrothricine, bacitracine)", or an
    INN of the brand named elsewhere) is not another product: it takes the brand's statuses
    (the INN alone may be listed in other products)."""
    brands = [hit for hit in products if hit.kind == "brand" and hit.spans]
    if not brands:
        return
    for index, hit in enumerate(products):
        if hit.kind != "inn" or not hit.spans:
            continue
        name = _fold_name(hit.name)
        start = hit.spans[0][0]
        for brand in brands:
            of_brand = name in {_fold_name(inn) for inn in brand.inns}
            in_brackets = any(
                0 <= start - end <= 80 and "(" in text[end:start] and ")" not in text[end:start]
                for _s, end in brand.spans
            )
            if of_brand or in_brackets:
                products[index] = replace(hit, statuses=brand.statuses)
                break


def _missing(mention: Mention, analysis: Analysis, english: bool) -> MissingMention:
    product = next((hit for hit in analysis.products if hit.spans), None)
    text = (mention.text_en if english else mention.text_fr) or mention.text_fr
    if text and product is not None:
        name = product.name if product.kind == "inn" else product.name.title()
        text = text.replace("[Nom]", name).replace("[Name]", name)
    if mention.id == "name_and_inn" and product is not None and product.inns:
        text = f"{product.name.title()} ({', '.join(product.inns)})"
    return MissingMention(
        id=mention.id,
        label=mention.label_en if english else mention.label_fr,
        text=text,
        check=mention.check,
        must_fit=mention.must_fit,
        severity=mention.severity,
    )


def _matching_products(
    condition: ProductCondition, products: Sequence[ProductHit]
) -> list[ProductHit]:
    return [
        hit
        for hit in products
        if hit.category in condition.categories
        and (not condition.statuses or hit.statuses.intersection(condition.statuses))
        and not hit.statuses.intersection(condition.not_statuses)
    ]


def _context_holds(key: str, allowed: tuple[str | bool, ...], context: CheckContext) -> bool:
    value = context.value(key)
    if value is None:
        value = CONTEXT_KEYS[key].default
    if key == "target_country":
        return any(country.upper() in allowed for country in value or ("FR",))
    return value is not None and value in allowed


def _names_author(text: str, author: str) -> bool:
    names = [part for part in fold(author).replace(".", " ").split() if len(part) >= 3]
    folded = fold(text)
    return any(phrase_pattern(name).search(folded) for name in names)


@lru_cache(maxsize=1)
def default_checker() -> Checker:
    """A checker with the packaged catalog and the shipped BDPM lexicon, built once."""
    return Checker()


def check(text: str, context: CheckContext | None = None, **facts: object) -> CheckResult:
    """Check ``text`` with the packaged catalog and lexicon. ``facts`` are :class:`CheckContext`
    fields (``check("…", audience="company", kind="reply")``)."""
    if facts:
        context = replace(context or CheckContext(), **facts)  # type: ignore[arg-type]
    return default_checker().check(text, context)


__all__ = ["Analysis", "Checker", "ProductHit", "check", "default_checker", "mention_statuses"]
