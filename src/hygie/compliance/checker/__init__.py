"""The compliance checker: ``check(text, context) -> CheckResult`` (pure Python, no Django).

See :mod:`.engine` for how rules are applied, :mod:`.index` for the one-pass lexicon matcher,
:mod:`.types` for the context and findings.
"""

from hygie.compliance.checker.engine import Checker, check, default_checker
from hygie.compliance.checker.types import (
    CheckContext,
    CheckResult,
    Citation,
    Finding,
    MissingMention,
    ProductInfo,
    Span,
)

__all__ = [
    "CheckContext",
    "CheckResult",
    "Checker",
    "Citation",
    "Finding",
    "MissingMention",
    "ProductInfo",
    "Span",
    "check",
    "default_checker",
]
