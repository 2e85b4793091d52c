"""The triage pipeline: one message in, a :class:`~hygie.nlp.types.TriageResult` out.

Lexicons and the product dictionary find the evidence (:mod:`hygie.nlp.analysis`); small
linear models trained by :mod:`hygie.nlp.training` and shipped in ``data/triage-model.json.gz``
turn it into scores (adverse event, abuse, medical question, spam, sentiment); rules decide
what needs evidence to be said at all (a special situation needs a medicine, a quality
complaint needs a product, the four minimum criteria need the words that support them).

Recall on adverse events comes first: a missed case costs far more than a false alarm, so the
default threshold is chosen on the development sets for recall (see docs/triage.md) and every
caller may pass its own. Pure Python, no Django.
"""

from __future__ import annotations

import gzip
import importlib.resources
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from hygie.compliance.lexicon.matcher import ProductLexicon
from hygie.nlp import lang as lang_detection
from hygie.nlp.analysis import Analysis, analyse, features
from hygie.nlp.lexicons import Lexicons
from hygie.nlp.model import LinearModel, SoftmaxModel
from hygie.nlp.types import (
    SPECIAL_SITUATIONS,
    Evidence,
    Lang,
    Score,
    Sentiment,
    TriageResult,
)

MODEL_FILE = "data/triage-model.json.gz"
SENTIMENTS: tuple[Sentiment, ...] = ("negative", "neutral", "positive")
#: Quality words strong enough without a medicine named ("contrefaçon", "lot 4521").
_STRONG_QUALITY = ("contref", "counterfeit", "lot", "batch", "fake")


@dataclass(frozen=True)
class TriageModels:
    version: str
    adverse_event: LinearModel
    abusive: LinearModel
    medical_question: LinearModel
    spam: LinearModel
    sentiment: SoftmaxModel
    thresholds: Mapping[str, float]
    meta: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "thresholds": dict(self.thresholds),
            "meta": dict(self.meta),
            "adverse_event": self.adverse_event.to_json(),
            "abusive": self.abusive.to_json(),
            "medical_question": self.medical_question.to_json(),
            "spam": self.spam.to_json(),
            "sentiment": self.sentiment.to_json(),
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> TriageModels:
        return cls(
            version=str(doc["version"]),
            adverse_event=LinearModel.from_json(doc["adverse_event"]),
            abusive=LinearModel.from_json(doc["abusive"]),
            medical_question=LinearModel.from_json(doc["medical_question"]),
            spam=LinearModel.from_json(doc["spam"]),
            sentiment=SoftmaxModel.from_json(doc["sentiment"]),
            thresholds={str(k): float(v) for k, v in doc["thresholds"].items()},
            meta=dict(doc.get("meta", {})),
        )

    def save(self, path: Path) -> None:
        payload = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True).encode()
        path.write_bytes(gzip.compress(payload, mtime=0))

    @classmethod
    def load(cls, path: Path) -> TriageModels:
        return cls.from_json(json.loads(gzip.decompress(path.read_bytes())))

    @classmethod
    def load_default(cls) -> TriageModels:
        return _default_models()


@lru_cache(maxsize=1)
def _default_models() -> TriageModels:
    raw = importlib.resources.files("hygie.nlp").joinpath(MODEL_FILE).read_bytes()
    return TriageModels.from_json(json.loads(gzip.decompress(raw)))


class Triager:
    """Reads messages. Build once and reuse: lexicons and models load at construction."""

    def __init__(
        self,
        *,
        ae_threshold: float | None = None,
        abuse_threshold: float | None = None,
        products: ProductLexicon | None = None,
        lexicons: Lexicons | None = None,
        models: TriageModels | None = None,
    ) -> None:
        self.products = products or ProductLexicon.load_default()
        self.lexicons = lexicons or Lexicons.load_default()
        self.models = models or TriageModels.load_default()
        thresholds = self.models.thresholds
        self.ae_threshold = (
            ae_threshold if ae_threshold is not None else thresholds.get("adverse_event", 0.5)
        )
        self.abuse_threshold = (
            abuse_threshold if abuse_threshold is not None else thresholds.get("abusive", 0.5)
        )
        self.question_threshold = thresholds.get("medical_question", 0.5)
        self.spam_threshold = thresholds.get("spam", 0.5)
        self.version = f"{self.models.version}+lex{self.lexicons.version}"

    def analyse(self, text: str, *, lang: str | None = None) -> Analysis:
        language: Lang = lang if lang in ("fr", "en") else lang_detection.detect(text)  # type: ignore[assignment]
        return analyse(text, lang=language, lexicon=self.products, lexicons=self.lexicons)

    def triage(
        self, text: str, *, lang: str | None = None, channel: str | None = None
    ) -> TriageResult:
        analysis = self.analyse(text, lang=lang)
        feats = features(analysis)
        if channel:
            feats.append(f"ch:{channel}")
        return self._decide(analysis, feats)

    def _decide(self, a: Analysis, feats: list[str]) -> TriageResult:
        models = self.models
        hits = a.hits
        evidence: dict[str, tuple[Evidence, ...]] = {}
        product_names = tuple(dict.fromkeys(p.name for p in a.products))
        generic = hits.get("generic_drug", [])
        has_product = bool(product_names or generic)
        if a.products:
            evidence["product"] = tuple(
                Evidence(p.start, p.end, p.surface, p.name) for p in a.products
            )
        elif generic:
            evidence["product"] = a.evidence(generic, "generic")

        # Adverse event.
        ae_score = models.adverse_event.score(feats)
        events = hits.get("event", [])
        if events:
            evidence["event"] = a.evidence(events, "event")
        ae_flag = has_product and ae_score >= self.ae_threshold

        # Special situations: with a medicine only.
        situations = []
        for name in SPECIAL_SITUATIONS:
            spans = a.special.get(name, [])
            if spans and has_product:  # a special situation needs a medicine
                situations.append(name)
                evidence[name] = a.evidence(spans, name)

        # Quality complaint.
        quality_spans = hits.get("quality", [])
        quality = bool(quality_spans) and (
            has_product
            or any(a.folded.folded[s:e].startswith(_STRONG_QUALITY) for s, e in quality_spans)
        )
        if quality:
            evidence["quality"] = a.evidence(quality_spans, "quality")

        # Abuse.
        abuse_score = models.abusive.score(feats)
        kinds = tuple(k for k in ("insult", "threat", "hate", "defamation") if hits.get(k))
        if "threat" in kinds or "hate" in kinds:
            # A threat or a slur is abuse whatever the model says.
            abuse_score = max(abuse_score, 0.9)
        elif kinds:
            # An insult or an accusation from the lexicons (strong words only: "nul",
            # "honte", "scandale" of harsh criticism are not there) raises the score.
            abuse_score = max(abuse_score, 0.75)
        abusive = abuse_score >= self.abuse_threshold
        if abusive:
            if not kinds:
                kinds = ("insult",)
            spans = [s for k in ("insult", "threat", "hate", "defamation") for s in hits.get(k, [])]
            if spans:
                evidence["abuse"] = a.evidence(spans, "abuse")
        else:
            kinds = ()

        # Medical question and spam.
        question = models.medical_question.score(feats) >= self.question_threshold
        if question and hits.get("question"):
            evidence["question"] = a.evidence(hits["question"], "question")
        spam = models.spam.score(feats) >= self.spam_threshold

        sentiment_probs = models.sentiment.probabilities(feats)
        sentiment: Sentiment = max(SENTIMENTS, key=lambda s: sentiment_probs.get(s, 0.0))

        criteria = self._criteria(a, has_product, ae_flag, situations, evidence)
        return TriageResult(
            lang=a.lang,
            products=product_names,
            adverse_event=Score(ae_flag, ae_score),
            special_situations=tuple(situations),
            quality_complaint=quality,
            abusive=Score(abusive, abuse_score),
            medical_question=question,
            spam=spam,
            sentiment=sentiment,
            minimum_criteria=criteria,
            abuse_kinds=kinds,
            evidence=evidence,
            model_version=self.version,
        )

    def _criteria(
        self,
        a: Analysis,
        has_product: bool,
        ae_flag: bool,
        situations: list[str],
        evidence: dict[str, tuple[Evidence, ...]],
    ) -> dict[str, bool]:
        """The four minimum criteria of a valid case, each with the words that support it."""
        hits = a.hits
        event = ae_flag or bool(situations)
        if not (has_product or event):
            return {"reporter": False, "patient": False, "product": False, "event": False}
        persons = hits.get("first_person", []) + hits.get("relative", [])
        hearsay = hits.get("hearsay", [])
        patient = bool(persons) and event
        reporter = patient and not (hearsay and not hits.get("relative") and len(persons) < 2)
        if patient:
            evidence["patient"] = a.evidence(hits.get("relative") or persons[:3], "patient")
        if reporter:
            evidence["reporter"] = a.evidence(persons[:1], "reporter")
        return {
            "reporter": reporter,
            "patient": patient,
            "product": has_product,
            "event": event,
        }


@lru_cache(maxsize=1)
def default_triager() -> Triager:
    """The process-wide triager with the shipped models and default thresholds."""
    return Triager()
