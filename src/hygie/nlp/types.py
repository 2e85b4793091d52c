"""What the triage pipeline says about one message. Pure data, no Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Lang = Literal["fr", "en"]
Sentiment = Literal["negative", "neutral", "positive"]

#: Special situations of pharmacovigilance (GVP Module VI): reportable even without a reaction.
SPECIAL_SITUATIONS: tuple[str, ...] = (
    "pregnancy",
    "breastfeeding",
    "child",
    "overdose",
    "misuse",
    "medication_error",
    "off_label",
    "lack_of_efficacy",
)
ABUSE_KINDS: tuple[str, ...] = ("insult", "threat", "hate", "defamation")
CRITERIA: tuple[str, ...] = ("reporter", "patient", "product", "event")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Words of the message that support a finding: ``text[start:end] == surface``."""

    start: int
    end: int
    surface: str
    label: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.surface, "label": self.label}


@dataclass(frozen=True, slots=True)
class Score:
    flag: bool
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"flag": self.flag, "score": round(self.score, 4)}


@dataclass(frozen=True, slots=True)
class TriageResult:
    lang: Lang
    products: tuple[str, ...]
    adverse_event: Score
    special_situations: tuple[str, ...]
    quality_complaint: bool
    abusive: Score
    medical_question: bool
    spam: bool
    sentiment: Sentiment
    minimum_criteria: dict[str, bool]
    abuse_kinds: tuple[str, ...] = ()
    #: Evidence per key: "product", "event", "reporter", "patient", a special situation,
    #: "quality", "abuse", "question".
    evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    model_version: str = ""

    def to_json(self, *, details: bool = False) -> dict[str, Any]:
        """The ``hygie triage`` output line (without the id)."""
        out: dict[str, Any] = {
            "lang": self.lang,
            "products": list(self.products),
            "adverse_event": self.adverse_event.to_json(),
            "special_situations": list(self.special_situations),
            "quality_complaint": self.quality_complaint,
            "abusive": self.abusive.to_json(),
            "medical_question": self.medical_question,
            "spam": self.spam,
            "sentiment": self.sentiment,
            "minimum_criteria": dict(self.minimum_criteria),
            "model_version": self.model_version,
        }
        if details:
            out["abuse_kinds"] = list(self.abuse_kinds)
            out["evidence"] = {
                key: [e.to_json() for e in items] for key, items in self.evidence.items()
            }
        return out
