"""Measure the checker on a labelled set: per-rule and overall precision, recall and F1 with
95 % confidence intervals, block recall and false blocks (pure Python, no Django).

The set is JSON Lines (``eval/compliance/README.md``): each object has ``id``, ``text``,
``lang``, ``audience``, ``kind``, optional ``network``, ``parent``, ``context``, ``products``,
and ``expected: {"max_severity": ..., "rules": [...]}``. ``dev.jsonl`` may be used to tune
the checker; ``test.jsonl`` never is: it is only read to report.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hygie.compliance.batch import NETWORK_LIMITS
from hygie.compliance.checker import CheckContext, Checker, CheckResult, ProductInfo
from hygie.compliance.rules.catalog import CONTEXT_KEYS, SEVERITY_RANK

_CONTEXT_FIELDS = {key for key in CONTEXT_KEYS if key not in ("audience", "target_country")}


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    context: CheckContext
    products: tuple[ProductInfo, ...]
    expected_rules: frozenset[str]
    expected_severity: str
    split: str


def read_items(path: Path, split: str) -> Iterator[Item]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            yield _item(data, split)
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: {error}") from error


def _item(data: dict[str, Any], split: str) -> Item:
    facts = dict(data.get("context") or {})
    countries = facts.pop("target_country", "FR")
    countries = (countries,) if isinstance(countries, str) else tuple(countries)
    unknown = set(facts) - _CONTEXT_FIELDS
    if unknown:
        raise ValueError(f"unknown context keys {sorted(unknown)}")
    network = data.get("network")
    products = tuple(
        ProductInfo(
            name=p["name"],
            category=p.get("category", "medicine"),
            statuses=frozenset(p.get("statuses", ())),
            inns=tuple(p.get("inns", ())),
        )
        for p in data.get("products") or ()
    )
    context = CheckContext(
        audience=data.get("audience", "pharmacy"),
        kind=data.get("kind", "post"),
        lang=data.get("lang"),
        network=network,
        target_countries=countries,
        parent_text=data.get("parent"),
        char_limit=NETWORK_LIMITS.get(network or ""),
        **facts,
    )
    expected = data["expected"]
    return Item(
        id=str(data["id"]),
        text=data["text"],
        context=context,
        products=products,
        expected_rules=frozenset(expected.get("rules", ())),
        expected_severity=expected["max_severity"],
        split=split,
    )


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (sound on small counts, unlike ±1.96·σ)."""
    if total == 0:
        return (0.0, 1.0)
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Outcome:
    item: Item
    result: CheckResult

    @property
    def found_rules(self) -> frozenset[str]:
        return frozenset(f.rule for f in self.result.findings)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def rule_scores(self) -> dict[str, Score]:
        scores: dict[str, Score] = {}
        for outcome in self.outcomes:
            expected, found = outcome.item.expected_rules, outcome.found_rules
            for rule in expected | found:
                score = scores.setdefault(rule, Score())
                if rule in expected and rule in found:
                    score.tp += 1
                elif rule in found:
                    score.fp += 1
                else:
                    score.fn += 1
        return dict(sorted(scores.items()))

    def micro(self) -> Score:
        total = Score()
        for score in self.rule_scores().values():
            total.tp += score.tp
            total.fp += score.fp
            total.fn += score.fn
        return total

    def block_recall(self) -> tuple[int, int]:
        blocks = [o for o in self.outcomes if o.item.expected_severity == "block"]
        return sum(1 for o in blocks if o.result.max_severity == "block"), len(blocks)

    def false_blocks(self) -> tuple[int, int]:
        compliant = [o for o in self.outcomes if o.item.expected_severity in ("ok", "warn")]
        return sum(1 for o in compliant if o.result.max_severity == "block"), len(compliant)

    def severity_matrix(self) -> Counter[tuple[str, str]]:
        return Counter((o.item.expected_severity, o.result.max_severity) for o in self.outcomes)

    def bootstrap_f1(self, samples: int = 1000, seed: int = 7) -> tuple[float, float]:
        """A 95 % percentile-bootstrap interval of the micro F1, resampling texts."""
        rng = random.Random(seed)  # noqa: S311  (a reproducible resampling, not a secret)
        values = []
        for _ in range(samples):
            picked = [rng.choice(self.outcomes) for _ in self.outcomes]
            values.append(Report(picked).micro().f1)
        values.sort()
        return values[int(0.025 * samples)], values[int(0.975 * samples) - 1]


def run(items: Iterable[Item], checker: Checker) -> Report:
    report = Report()
    engines: dict[tuple[ProductInfo, ...], Checker] = {(): checker}
    for item in items:
        engine = engines.get(item.products)
        if engine is None:
            engine = Checker(
                checker.catalog,
                checker.lexicon,
                item.products,
                model=checker.model,
                learned=checker.model is not None,
            )
            engines[item.products] = engine
        report.outcomes.append(Outcome(item, engine.check(item.text, item.context)))
    return report


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}"


def format_report(name: str, report: Report, *, details: bool = False) -> list[str]:
    lines = [f"== {name}: {len(report.outcomes)} texts"]
    hit, total = report.block_recall()
    low, high = wilson(hit, total)
    lines.append(
        f"block recall      {hit}/{total} = {_pct(hit / total if total else 1)} %"
        f"  (95 % CI {_pct(low)}–{_pct(high)})   goal ≥ 95 %"
    )
    wrong, compliant = report.false_blocks()
    low, high = wilson(wrong, compliant)
    lines.append(
        f"false blocks      {wrong}/{compliant} = {_pct(wrong / compliant if compliant else 0)} %"
        f"  (95 % CI {_pct(low)}–{_pct(high)})   goal ≤ 5 %"
    )
    micro = report.micro()
    f1_low, f1_high = report.bootstrap_f1()
    p_low, p_high = wilson(micro.tp, micro.tp + micro.fp)
    r_low, r_high = wilson(micro.tp, micro.tp + micro.fn)
    lines.append(
        f"rules (micro)     P {_pct(micro.precision)} [{_pct(p_low)}–{_pct(p_high)}]"
        f"  R {_pct(micro.recall)} [{_pct(r_low)}–{_pct(r_high)}]"
        f"  F1 {_pct(micro.f1)} [{_pct(f1_low)}–{_pct(f1_high)}]"
    )
    matrix = report.severity_matrix()
    order = ["block", "needs_approval", "warn", "ok"]
    lines.append("severity (rows expected, columns found): " + " ".join(f"{s:>8.8}" for s in order))
    for expected in order:
        cells = " ".join(f"{matrix[(expected, found)]:>8}" for found in order)
        lines.append(f"  {expected:<38}  {cells}")
    lines.append(
        f"{'rule':<12} {'TP':>4} {'FP':>4} {'FN':>4}   {'P':>5}   {'R':>5}  {'F1':>5}  R 95 % CI"
    )
    for rule, score in report.rule_scores().items():
        r_low, r_high = wilson(score.tp, score.tp + score.fn)
        lines.append(
            f"{rule:<12} {score.tp:>4} {score.fp:>4} {score.fn:>4}  {_pct(score.precision)}"
            f"  {_pct(score.recall)}  {_pct(score.f1)}  {_pct(r_low)}–{_pct(r_high)}"
        )
    if details:
        lines.append("-- disagreements")
        for outcome in report.outcomes:
            item = outcome.item
            missed = sorted(item.expected_rules - outcome.found_rules)
            extra = sorted(outcome.found_rules - item.expected_rules)
            severity_off = item.expected_severity != outcome.result.max_severity
            if missed or extra or severity_off:
                lines.append(
                    f"{item.id}: expected {item.expected_severity} {sorted(item.expected_rules)}"
                    f" found {outcome.result.max_severity}"
                    f" missed {missed} extra {extra} | {item.text[:110]!r}"
                )
    return lines


def severity_rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, len(SEVERITY_RANK))


def load_sets(directory: Path, splits: Sequence[str]) -> dict[str, list[Item]]:
    sets = {}
    for split in splits:
        path = directory / f"{split}.jsonl"
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist")
        sets[split] = list(read_items(path, split))
    return sets


__all__ = ["Report", "format_report", "load_sets", "read_items", "replace", "run", "wilson"]
