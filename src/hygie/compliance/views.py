"""Live compliance checks for the composer and the reply box, and the rules catalog page."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from hygie.accounts.roles import Perm
from hygie.channels.models import Channel
from hygie.compliance import service
from hygie.compliance.checker import CheckResult, Finding
from hygie.compliance.rules import default_catalog
from hygie.compliance.rules.catalog import SEVERITY_RANK
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.inbox.models import InboxItem, ItemKind

MAX_LIVE_TEXT = 20_000


@dataclass(frozen=True)
class Segment:
    """A piece of the checked text, highlighted when findings cover it."""

    text: str
    severity: str = ""
    rules: str = ""


def highlight(text: str, findings: tuple[Finding, ...]) -> list[Segment]:
    """The text cut where spans start and end; each piece carries the strongest severity and
    the rules of the findings covering it."""
    spans = [(s.start, s.end, f) for f in findings for s in f.spans if s.end > s.start]
    cuts = sorted({0, len(text), *(p for s, e, _f in spans for p in (s, e))})
    segments: list[Segment] = []
    for start, end in itertools.pairwise(cuts):
        covering = [f for s, e, f in spans if s <= start and end <= e]
        if not covering:
            segments.append(Segment(text[start:end]))
            continue
        strongest = min(covering, key=lambda f: SEVERITY_RANK[f.severity]).severity
        rules = " ".join(sorted({f.rule for f in covering}))
        segments.append(Segment(text[start:end], strongest, rules))
    return segments


def quotes(text: str, finding: Finding, limit: int = 3) -> list[str]:
    """The words a finding points at (distinct, in order, at most ``limit``)."""
    found: list[str] = []
    for span in finding.spans:
        words = text[span.start : span.end].strip()
        if words and words not in found and span.end <= len(text):
            found.append(words)
    return found[:limit]


def _render(request: OrgRequest, text: str, result: CheckResult, target: str) -> HttpResponse:
    return render(
        request,
        "compliance/_live.html",
        {
            "result": result,
            "segments": highlight(text, result.findings),
            "items": [{"finding": f, "quotes": quotes(text, f)} for f in result.findings],
            "blocked_networks": service.blocked_networks(result),
            "target": target,
        },
    )


@org_view(Perm.POSTS_COMPOSE)
@require_POST
def check_post(request: OrgRequest) -> HttpResponse:
    """Findings for the post being typed: its text and each chosen network's variant."""
    text = request.POST.get("text", "")[:MAX_LIVE_TEXT]
    ids = [int(i) for i in request.POST.getlist("channels") if i.isdigit()]
    networks = sorted(
        set(
            Channel.objects.filter(organization=request.org, pk__in=ids).values_list(
                "network", flat=True
            )
        )
    )
    checker = service.checker_for(request.org)
    context = service.base_context(request.org, "post")
    main = checker.check(text, context)
    per_network = {}
    for network in networks:
        variant = request.POST.get(f"variant_{network}", "")[:MAX_LIVE_TEXT]
        facts = service.network_facts(network)
        per_network[network] = checker.check(
            variant if variant.strip() else text,
            replace(context, **facts),  # type: ignore[arg-type]
        )
    merged = service.merge([main, *per_network.values()])
    merged = replace(merged, extra={**main.extra, "networks": per_network})
    # Highlight only what is in the main text (variants have their own offsets).
    shown = replace(merged, findings=main.findings)
    return _render(request, text, replace(shown, extra=merged.extra), "id_text")


@org_view(Perm.INBOX_REPLY)
@require_POST
def check_reply(request: OrgRequest, item_id: int) -> HttpResponse:
    """Findings for a reply being typed to an inbox item (the item is the parent)."""
    item = access_scoped(InboxItem.objects.select_related("channel"), request, item_id)
    text = request.POST.get("text", "")[:MAX_LIVE_TEXT]
    kind = "review_reply" if item.kind == ItemKind.REVIEW else "reply"
    private = item.kind == ItemKind.DIRECT_MESSAGE
    results = service.check_text(
        request.org,
        text,
        kind=kind,
        parent_text=item.text,
        parent_author=item.author_name,
        visibility="private" if private else "public",
    )
    return _render(request, text, results[""], "id_reply")


@org_view(Perm.POSTS_VIEW)
@require_safe
def rules(request: OrgRequest) -> HttpResponse:
    """The rules catalog in force: what is checked, with its legal sources."""
    catalog = default_catalog()
    audience = service.audience_of(request.org)
    applicable = [rule for rule in catalog.rules if audience in rule.audience]
    return render(
        request,
        "compliance/rules.html",
        {"catalog": catalog, "rules": applicable, "english": request.LANGUAGE_CODE == "en"},
    )
