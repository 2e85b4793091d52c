"""A learned second opinion for the violations no phrase list can enumerate.

The catalog's triggers find what can be named: a prescription brand next to a call to action, a
contest word, a price. Many violations are implied instead: a brand "qui vous attend derrière le
comptoir 😉", a customer's story, a reply that lets slip someone's treatment. The research note
(§3) asks for language models on those implicit claims; this module is that model, kept small,
pure Python and deterministic.

:class:`RiskModel` holds two kinds of logistic models over the same sparse features
(:func:`features`: the draft's words, word stems and word pairs, the catalog's lexicons and
signals the engine found, the products' statuses, the draft's kind and audience, what the parent
says, the rules the engine already fired, and the words again in their situation: under an
adverse-event comment, in a reply, next to a cosmetic or a supplement):

- ``block``: the probability that a careful regulatory pharmacist would refuse the draft;
- ``rules``: for each rule that can block, the probability that it applies, used to cite the
  rule the draft most likely breaks when the engine itself found no blocking rule.

It is trained by ``python -m hygie.compliance.training`` on the development sets under
``eval/compliance`` (never the held-out test set), which also chooses the threshold by
cross-validation across those sets, and saved as ``data/compliance-model.json.gz`` with its
version. The engine consults it only when its own rules do not block the draft (:mod:`.engine`):
it may raise a draft the rules let out, or only send to review, to a block, and the finding it
adds or raises says so (``source = "model"``, with the score).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any

from hygie.compliance.rules.catalog import fold
from hygie.nlp.model import LinearModel, sigmoid

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("data") / "compliance-model.json.gz"
#: Bumped whenever :func:`features` changes: a model trained on other features is refused.
FEATURES_VERSION = 4
#: Words shorter than this are their own stem.
_STEM = 5
#: The rule the model cites must be at least as likely to apply to the draft as to an average
#: draft of the training sets (its prevalence there, saved with the model as ``priors``): a
#: draft that looks refusable but fits no rule the model knows (or only rules whose carve-outs
#: hold) is left to the rules. A rule without a saved prior needs this.
MIN_RULE_SCORE = 0.25
#: When the block model is at least this sure, it speaks even where the rules found nothing
#: to weigh (:func:`has_grounds`), and the rule it cites need only be :data:`SURE_PRIOR_SHARE`
#: of its prevalence. Out of fold on the fifty-three development sets (model 2026.11.20):
#: 32 more of the 4,628 blocks found, 3 more of the 4,131 compliant texts refused; citing the
#: likeliest rule whatever its score found 41 and refused 8 (eval/compliance/TUNING.md,
#: "Session 12"). A model whose own threshold is at least ``SURE`` is sure of every block it
#: gives; a rule without a saved prior then needs a tenth of :data:`MIN_RULE_SCORE`.
SURE = 0.9
SURE_PRIOR_SHARE = 0.1
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the engine knows about a draft, as the model reads it.

    ``words`` are the folded words in order; ``lexicons`` the catalog lexicons with a hit,
    ``signals`` the detectors that fired, ``products`` ``category:status`` tokens (and the bare
    category) of the products named or linked, ``parent_lexicons`` the lexicons found in the
    text replied to, ``parent_products`` the tokens of the products it names and
    ``parent_words`` its folded words ("is the X sensor reimbursed?" answered "yes, fully"),
    ``findings`` the engine's own ``(rule, severity)`` pairs.
    """

    words: Sequence[str]
    kind: str
    audience: str
    lexicons: Iterable[str] = ()
    signals: Iterable[str] = ()
    products: Iterable[str] = ()
    parent_lexicons: Iterable[str] = ()
    findings: Iterable[tuple[str, str]] = ()
    parent_products: Iterable[str] = ()
    parent_words: Iterable[str] = ()


def word_features(words: Sequence[str]) -> set[str]:
    """Words, their stems (the first five letters of longer words: "soulage", "soulagez" and
    "soulagement" share one) and adjacent word pairs."""
    out = {f"w:{w}" for w in words}
    out.update(f"s:{w[:_STEM]}" for w in words if len(w) > _STEM)
    out.update(f"b:{a} {b}" for a, b in pairwise(words))
    return out


#: The lexicons and signals that say the parent reports a possible adverse event.
_AE_PARENT = frozenset({"ae_cues", "ae_link_cues"})
_AE_SIGNAL = "adverse_event_report"
#: The product categories a word is also read beside (``P:<category>``, the bare token).
_CATEGORIES = ("medicine", "medical_device", "cosmetic", "food_supplement")


def situations(evidence: Evidence) -> list[str]:
    """Where the draft's words are said: ``ae`` (under a comment reporting a possible adverse
    event), ``reply`` (a reply or a review reply), and each product category the draft names."""
    out = []
    if _AE_PARENT.intersection(evidence.parent_lexicons) or _AE_SIGNAL in set(evidence.signals):
        out.append("ae")
    if evidence.kind != "post":
        out.append("reply")
    products = set(evidence.products)
    out.extend(category for category in _CATEGORIES if category in products)
    return out


def situated_features(evidence: Evidence) -> set[str]:
    """Each word's first five letters in each of its :func:`situations`: "ça arrive au début"
    is ordinary advice in a post and a reassurance under an adverse event; "fini les crises"
    is a disease claim next to a cosmetic. A linear model cannot combine the two features
    itself; these give the combination a weight of its own."""
    heads = {word[:_STEM] for word in evidence.words}
    return {f"x:{where}:{head}" for where in situations(evidence) for head in heads}


def structural_features(evidence: Evidence) -> set[str]:
    """The features that are not words: kind, audience, lexicons, products, signals, the
    parent's lexicons and the engine's findings."""
    kind = evidence.kind
    out = {f"k:{kind}", f"a:{evidence.audience}"}
    structural = [f"L:{name}" for name in evidence.lexicons]
    structural.extend(f"P:{token}" for token in evidence.products)
    out.update(structural)
    # The same word list means something else in a reply than in a post.
    out.update(f"k:{kind}:{item}" for item in structural)
    out.update(f"S:{name}" for name in evidence.signals)
    out.update(f"PL:{name}" for name in evidence.parent_lexicons)
    out.update(f"PP:{token}" for token in evidence.parent_products)
    out.update(f"pw:{word}" for word in evidence.parent_words)
    for rule, severity in evidence.findings:
        out.add(f"F:{rule}")
        out.add(f"F:{rule}:{severity}")
    return out


def features(evidence: Evidence) -> set[str]:
    """The sparse binary features of a draft (see :class:`Evidence`)."""
    return (
        word_features(evidence.words) | structural_features(evidence) | situated_features(evidence)
    )


class _FastScorer:
    """:meth:`LinearModel.score` of :func:`features` without building the features' strings:
    the weights of words, stems and word pairs are looked up by the word itself (a pair by its
    tuple), a lexicon's or a product's two features (``L:x`` and ``k:<kind>:L:x``) by its name
    in a table per kind, all at C speed; the same sum, in another order."""

    __slots__ = (
        "_weights",
        "bias",
        "findings",
        "kinds",
        "pairs",
        "parent_products",
        "parent_words",
        "parents",
        "signals",
        "situated",
        "stems",
        "words",
    )

    def __init__(self, model: LinearModel) -> None:
        weights = model.weights
        self.bias = model.bias
        self.words: dict[str, float] = {}
        self.stems: dict[str, float] = {}
        self.pairs: dict[tuple[str, ...], float] = {}
        self.signals: dict[str, float] = {}
        self.parents: dict[str, float] = {}
        self.parent_products: dict[str, float] = {}
        self.parent_words: dict[str, float] = {}
        self.findings: dict[tuple[str, str], float] = {}
        #: situation → word head → weight (``x:<situation>:<head>``).
        self.situated: dict[str, dict[str, float]] = {}
        #: kind → (its constant, by lexicon name, by product token).
        self.kinds: dict[str, tuple[float, dict[str, float], dict[str, float]]] = {}
        for feature, weight in weights.items():
            family, _sep, rest = feature.partition(":")
            if family == "w":
                self.words[rest] = weight
            elif family == "s":
                self.stems[rest] = weight
            elif family == "b":
                self.pairs[tuple(rest.split(" "))] = weight
            elif family == "S":
                self.signals[rest] = weight
            elif family == "PL":
                self.parents[rest] = weight
            elif family == "PP":
                self.parent_products[rest] = weight
            elif family == "pw":
                self.parent_words[rest] = weight
            elif family == "x":
                where, _sep, head = rest.partition(":")
                self.situated.setdefault(where, {})[head] = weight
        self._weights = weights

    def _kind(self, kind: str) -> tuple[float, dict[str, float], dict[str, float]]:
        table = self.kinds.get(kind)
        if table is None:
            weights = self._weights
            lexicons: dict[str, float] = {}
            products: dict[str, float] = {}
            for feature, weight in weights.items():
                for prefix, out in (("L:", lexicons), ("P:", products)):
                    for head in (prefix, f"k:{kind}:{prefix}"):
                        if feature.startswith(head):
                            name = feature[len(head) :]
                            out[name] = out.get(name, 0.0) + weight
            table = (weights.get(f"k:{kind}", 0.0), lexicons, products)
            self.kinds[kind] = table
        return table

    def finding(self, rule: str, severity: str) -> float:
        key = (rule, severity)
        weight = self.findings.get(key)
        if weight is None:
            weights = self._weights
            weight = weights.get(f"F:{rule}", 0.0) + weights.get(f"F:{rule}:{severity}", 0.0)
            self.findings[key] = weight
        return weight

    def total(self, evidence: Evidence) -> float:
        words = evidence.words
        unique = set(words)
        zeros = repeat(0.0)
        constant, lexicons, products = self._kind(evidence.kind)
        total = self.bias + constant + self._weights.get(f"a:{evidence.audience}", 0.0)
        total += sum(map(self.words.get, unique, zeros))
        total += sum(map(self.stems.get, {w[:_STEM] for w in unique if len(w) > _STEM}, zeros))
        total += sum(map(self.pairs.get, set(pairwise(words)), zeros))
        total += sum(map(lexicons.get, set(evidence.lexicons), zeros))
        total += sum(map(products.get, set(evidence.products), zeros))
        total += sum(map(self.signals.get, set(evidence.signals), zeros))
        total += sum(map(self.parents.get, set(evidence.parent_lexicons), zeros))
        total += sum(map(self.parent_products.get, set(evidence.parent_products), zeros))
        total += sum(map(self.parent_words.get, set(evidence.parent_words), zeros))
        tables = [t for t in map(self.situated.get, situations(evidence)) if t]
        if tables:
            heads = {w[:_STEM] for w in unique}
            for table in tables:
                total += sum(map(table.get, heads, zeros))
        # One finding per rule (the engine merges a rule's triggers).
        for rule, severity in set(evidence.findings):
            total += self.finding(rule, severity)
        return total


def has_grounds(evidence: Evidence) -> bool:
    """Whether the rules' analysis found anything for the model to weigh: a lexicon entry, a
    product, a word of the parent, a finding. Without any, the model speaks only when it is
    very sure (:data:`SURE`): on a short text ("Bon dimanche !") it would be reading its own
    prior, and what the rules do not recognise at all must weigh heavily to be refused
    ("Passez ce soir, on vous dépannera d'une boîte, vous nous ramènerez l'ordo")."""
    return any(
        True
        for seq in (evidence.lexicons, evidence.products, evidence.parent_lexicons)
        for _ in seq
    ) or any(True for _ in evidence.findings)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The model's opinion of one draft: it would be refused (``score`` ≥ the threshold) and
    ``rule`` is the blocking rule it most likely breaks (``rule_score``); ``span`` is the
    sentence that weighs most towards refusal."""

    score: float
    rule: str
    rule_score: float
    span: tuple[int, int]


@dataclass
class RiskModel:
    version: str
    threshold: float
    block: LinearModel
    rules: Mapping[str, LinearModel]
    catalog_version: str = ""
    trained_on: Mapping[str, Any] = field(default_factory=dict)
    #: Each rule model's share of positive texts in training: the least it must give a rule
    #: to cite it.
    priors: Mapping[str, float] = field(default_factory=dict)

    @property
    def _scorer(self) -> _FastScorer:
        """The block model's tables, built once (again if ``block`` is replaced)."""
        cached = self.__dict__.get("_fast")
        if cached is None or cached[0] is not self.block:
            cached = self.__dict__["_fast"] = (self.block, _FastScorer(self.block))
        return cached[1]

    def block_score(self, evidence: Evidence) -> float:
        """The probability that the draft would be refused (``block``)."""
        return sigmoid(self._scorer.total(evidence))

    def assess(
        self,
        text: str,
        evidence: Evidence,
        candidates: Sequence[str],
        *,
        threshold: float | None = None,
    ) -> Assessment | None:
        """The assessment of a draft the engine did not block, or ``None`` when the model would
        not block it either or no candidate rule (one that may block this draft) has a model."""
        limit = self.threshold if threshold is None else threshold
        grounds = has_grounds(evidence)
        score = self.block_score(evidence)
        if score < limit:
            return None
        sure = score >= SURE
        if not grounds and not sure:
            return None
        feats = features(evidence)
        scored = [(self.rules[r].score(feats), r) for r in candidates if r in self.rules]
        if not scored:
            return None
        rule_score, rule = max(scored, key=lambda item: (item[0], item[1]))
        prior = self.priors.get(rule, MIN_RULE_SCORE)
        if rule_score < (prior * SURE_PRIOR_SHARE if sure else prior):
            return None
        return Assessment(score, rule, rule_score, self.heaviest_sentence(text))

    def heaviest_sentence(self, text: str) -> tuple[int, int]:
        """The span of the sentence whose words weigh most towards refusal (the whole text when
        none weighs for it)."""
        weights = self.block.weights
        best, span = 0.0, (0, len(text))
        for match in _SENTENCE.finditer(text):
            words = [fold(w) for w in _WORD.findall(match.group())]
            weight = sum(weights.get(f, 0.0) for f in word_features(words))
            if weight > best:
                start, end = match.span()
                # Trim the spaces around the sentence.
                chunk = match.group()
                start += len(chunk) - len(chunk.lstrip())
                end -= len(chunk) - len(chunk.rstrip())
                best, span = weight, (start, end)
        return span

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "hygie-compliance-model",
            "features_version": FEATURES_VERSION,
            "version": self.version,
            "catalog_version": self.catalog_version,
            "threshold": self.threshold,
            "trained_on": dict(self.trained_on),
            "block": self.block.to_json(),
            "rules": {rule: model.to_json() for rule, model in sorted(self.rules.items())},
            "priors": {rule: round(prior, 6) for rule, prior in sorted(self.priors.items())},
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> RiskModel:
        if doc.get("format") != "hygie-compliance-model":
            raise ValueError("not a Hygie compliance model")
        if doc.get("features_version") != FEATURES_VERSION:
            raise ValueError(
                f"compliance model built with features v{doc.get('features_version')}, "
                f"this code computes v{FEATURES_VERSION}: retrain it "
                "(python -m hygie.compliance.training)"
            )
        return cls(
            version=str(doc["version"]),
            threshold=float(doc["threshold"]),
            block=LinearModel.from_json(doc["block"]),
            rules={rule: LinearModel.from_json(m) for rule, m in doc["rules"].items()},
            catalog_version=str(doc.get("catalog_version", "")),
            trained_on=doc.get("trained_on", {}),
            priors={rule: float(prior) for rule, prior in doc.get("priors", {}).items()},
        )

    def save(self, path: Path = MODEL_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True, indent=0)
        # mtime=0: the same model gives the same bytes.
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            out.write(data.encode("utf-8"))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> RiskModel:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls.from_json(json.load(handle))


@lru_cache(maxsize=1)
def default_model() -> RiskModel | None:
    """The model shipped with the package, or ``None`` when it is absent or was built for other
    features (the rules alone, with a warning in the log: a stale model file never stops a
    check)."""
    if not MODEL_PATH.exists():
        return None
    try:
        return RiskModel.load(MODEL_PATH)
    except ValueError as error:
        log.warning("compliance model %s not used: %s", MODEL_PATH, error)
        return None
