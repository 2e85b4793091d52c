"""The engine's side of the learned second opinion (:mod:`.learned`).

What the model is shown of a draft (:func:`evidence_of`), which rules it may cite (those that
can block the draft in its context, minus the catalog's carve-outs: :func:`carve_outs`), and
the finding it adds or raises (:meth:`SecondOpinion.weigh`). The engine
(:class:`~hygie.compliance.checker.engine.Checker`) calls it only when no rule blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from hygie.compliance.checker.learned import Assessment, Evidence, RiskModel
from hygie.compliance.checker.types import CheckContext, Finding, RuleText, Span
from hygie.compliance.rules.catalog import Rule

if TYPE_CHECKING:
    from hygie.compliance.checker.engine import Analysis, RulePlans


class SecondOpinion:
    """A model and what the engine remembers about the rules it may cite."""

    def __init__(self, model: RiskModel) -> None:
        self.model = model
        #: The rules of a plan that can block (a trigger of block severity), by plan.
        self._blocking: dict[int, tuple[RulePlans, tuple[tuple[str, frozenset[str]], ...]]] = {}
        self._texts: dict[tuple[int, bool], RuleText] = {}

    def weigh(
        self,
        text: str,
        analysis: Analysis,
        parent: Analysis | None,
        context: CheckContext,
        findings: list[Finding],
        plans: RulePlans,
        threshold: float | None,
    ) -> tuple[list[Finding], Assessment | None]:
        """``findings`` (of a draft no rule blocks) with the model's block when it would refuse
        the draft, and its assessment."""
        # The model never overrules a carve-out of the catalog: a rule an exception lowered
        # (an approved campaign), or whose excusing words are in the text (a shortage notice,
        # "meilleurs vœux", a negated claim), is not cited.
        excused = {f.rule for f in findings if f.exemption is not None}
        present = analysis.present
        candidates = tuple(
            rule
            for rule, excuses in self._blocking_rules(plans)
            if rule not in excused and present.isdisjoint(excuses)
        )
        assessment = self.model.assess(
            text, evidence_of(analysis, parent, context, findings), candidates, threshold=threshold
        )
        if assessment is None:
            return findings, None
        return self._with_assessment(findings, assessment, plans, analysis.lang), assessment

    def _blocking_rules(self, plans: RulePlans) -> tuple[tuple[str, frozenset[str]], ...]:
        """The rules of ``plans`` with a trigger that blocks (in this context), each with its
        carve-outs."""
        cached = self._blocking.get(id(plans))
        if cached is not None and cached[0] is plans:
            return cached[1]
        found = tuple(
            (rule.id, carve_outs(rule))
            for rule, plan in plans
            if any((t.severity or rule.severity) == "block" for t, _needs in plan.triggers)
        )
        if len(self._blocking) > 1_000:
            self._blocking.clear()
        self._blocking[id(plans)] = (plans, found)
        return found

    def _with_assessment(
        self, findings: list[Finding], assessment: Assessment, plans: RulePlans, lang: str
    ) -> list[Finding]:
        """``findings`` with the model's blocking finding: the rule's own finding (a warning or
        a review) raised to ``block``, or a new one on the sentence that weighs most."""
        rule = next(rule for rule, _plan in plans if rule.id == assessment.rule)
        english = lang == "en"
        note = model_note(assessment.score, english)
        score = round(assessment.score, 4)
        for number, finding in enumerate(findings):
            if finding.rule == rule.id:
                findings[number] = replace(
                    finding,
                    severity="block",
                    explanation=f"{note} {finding.explanation}",
                    source="model",
                    score=score,
                )
                return findings
        texts = self._texts.get((id(rule), english))
        if texts is None:
            texts = self._texts[(id(rule), english)] = RuleText.of(rule, english)
        start, end = assessment.span
        findings.append(
            Finding(
                rule=rule.id,
                severity="block",
                start=start,
                end=end,
                title=texts.title,
                message=texts.message,
                explanation=f"{note} {texts.explanation}",
                suggestion=texts.suggestion,
                citations=texts.citations,
                spans=(Span(start, end, "model"),),
                source="model",
                score=score,
            )
        )
        return findings


def evidence_of(
    analysis: Analysis,
    parent: Analysis | None,
    context: CheckContext,
    findings: Iterable[Finding],
) -> Evidence:
    """What the model reads of a draft: the rules' own analysis of it and of its parent, and
    their findings."""
    return Evidence(
        words=analysis.words,
        kind=context.kind,
        audience=context.audience,
        lexicons=_lexicons(analysis),
        signals=tuple(analysis.signals),
        products=found_products(analysis),
        parent_products=() if parent is None else found_products(parent),
        parent_words=() if parent is None else parent.words,
        parent_lexicons=() if parent is None else _lexicons(parent),
        findings=tuple((f.rule, f.severity) for f in findings),
    )


def _lexicons(analysis: Analysis) -> Sequence[str]:
    # Names starting with NUL are the engine's own (patterns, organisation products).
    return tuple(name for name in analysis.present if name[0] != "\0")


def found_products(analysis: Analysis) -> tuple[str, ...]:
    """The categories of the products an analysis found, and ``category:status`` of each of
    their statuses."""
    tokens: set[str] = set()
    for hit in analysis.products:
        tokens.add(hit.category)
        tokens.update(f"{hit.category}:{status}" for status in hit.statuses)
    return tuple(tokens)


def carve_outs(rule: Rule) -> frozenset[str]:
    """The lexicons whose presence excuses or masks a rule: a trigger's ``no_lexicon``, an
    exception's mask or situation."""
    names: set[str] = set()
    for trigger in rule.triggers:
        names.update(trigger.no_lexicon)
    for exemption in rule.exceptions:
        if exemption.mask_lexicon:
            names.add(exemption.mask_lexicon)
        if exemption.when is not None:
            names.update(exemption.when.all_lexicons)
            names.update(exemption.when.any_lexicon)
    return frozenset(names)


def model_note(score: float, english: bool) -> str:
    """What a finding of the learned model says first."""
    percent = round(score * 100)
    if english:
        return (
            f"Found by the learned model ({percent} % likely), not by a catalog wording: "
            "re-read the highlighted passage with this rule in mind."
        )
    return (
        f"Relevé par le modèle appris (probabilité {percent} %), pas par une formulation du "
        "catalogue : relisez le passage surligné au regard de cette règle."
    )
