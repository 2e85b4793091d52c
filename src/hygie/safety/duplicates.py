"""Cases that may describe the same event: the same person (on any network), or the same
product with a similar text within 14 days. Suggestions only: a person links them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from hygie.inbox.models import Author
from hygie.safety.models import DuplicateLink, SafetyCase

WINDOW = timedelta(days=14)
SIMILAR = 0.3  # Jaccard index of the content words
CANDIDATES = 300  # cases looked at, newest first, within the window
_WORD = re.compile(r"\w{3,}")
_STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        "avec dans depuis pour pas que qui les des une est sur mais vous nous elle ils cette "
        "son ses mes mon par plus tout tous très bien aussi comme fait faire suis être avoir "
        "été the and with for that this have has was are from you your not but after",
    )
)


def words(text: str) -> frozenset[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return frozenset(w for w in _WORD.findall(plain) if w not in _STOPWORDS)


def similarity(a: str, b: str) -> float:
    left, right = words(a), words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def product_names(case: SafetyCase) -> dict[str, str]:
    """The case's products (its own list, then the triage's), by a key that ignores case,
    accents and word order, to the name as written."""
    names = [str(p.get("name", "")) for p in case.products if isinstance(p, dict)]
    names += [str(p) for p in case.triage.get("products", []) if isinstance(p, str)]
    found: dict[str, str] = {}
    for name in names:
        key = " ".join(sorted(words(name)))
        if key:
            found.setdefault(key, name.strip())
    return found


def _name(case: SafetyCase) -> str:
    return " ".join(sorted(words(str(case.source_snapshot.get("author_name", "")))))


@dataclass
class Suggestion:
    case: SafetyCase
    reasons: list[str] = field(default_factory=list)


def linked_ids(case: SafetyCase) -> set[int]:
    pairs = DuplicateLink.objects.filter(Q(case=case) | Q(other=case)).values_list(
        "case_id", "other_id"
    )
    return {pk for pair in pairs for pk in pair} - {case.pk}


def linked_cases(case: SafetyCase) -> list[SafetyCase]:
    return list(
        SafetyCase.objects.filter(organization_id=case.organization_id, pk__in=linked_ids(case))
        .select_related("source_item__channel")
        .order_by("day_zero")
    )


def suggestions(case: SafetyCase) -> list[Suggestion]:
    """Other cases of the organisation that may be the same event, not linked yet."""
    source = case.source_item
    # Read afresh: a member may have merged the author with other accounts since.
    author = (
        Author.objects.filter(pk=source.author_id).first()
        if source is not None and source.author_id is not None
        else None
    )
    window = SafetyCase.objects.filter(
        organization_id=case.organization_id,
        day_zero__gte=case.day_zero - WINDOW,
        day_zero__lte=case.day_zero + WINDOW,
    )
    same_author = SafetyCase.objects.none()
    if author is not None:
        who = Q(source_item__author=author)
        if author.person_id is not None:
            who |= Q(source_item__author__person_id=author.person_id)
        # The same person is worth a look whenever it happened.
        same_author = SafetyCase.objects.filter(who, organization_id=case.organization_id)
    exclude = linked_ids(case) | {case.pk}
    candidates = (
        (window | same_author)
        .exclude(pk__in=exclude)
        .select_related("source_item__author", "source_item__channel")
        .order_by("-day_zero")[:CANDIDATES]
    )
    mine = product_names(case)
    my_name = _name(case)
    text = str(case.source_snapshot.get("text", ""))
    found: list[Suggestion] = []
    for other in candidates:
        reasons: list[str] = []
        other_author = other.source_item.author if other.source_item is not None else None
        if author is not None and other_author is not None:
            if other_author.pk == author.pk:
                reasons.append(_("same author"))
            elif author.person_id is not None and other_author.person_id == author.person_id:
                reasons.append(_("same person on another network"))
        within = abs(other.day_zero - case.day_zero) <= WINDOW
        if not reasons and within and my_name and my_name == _name(other):
            reasons.append(_("same name"))
        common = sorted(mine[key] for key in mine.keys() & product_names(other).keys())
        if within and common:
            score = similarity(text, str(other.source_snapshot.get("text", "")))
            if score >= SIMILAR:
                reasons.append(
                    _("same product (%(products)s) and a similar text (%(score)d %%)")
                    % {"products": ", ".join(common), "score": round(score * 100)}
                )
        if reasons:
            found.append(Suggestion(other, reasons))
    return found
