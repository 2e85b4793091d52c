"""The checker as the web app uses it: per organisation (its products, its audience), per
network (its text, its length limit), for posts and for replies.

The pure checker (:mod:`hygie.compliance.checker`) knows nothing of Django; this module builds
one :class:`Checker` per organisation and product list, keeps it while the products and the
medicine lexicon stay the same, and turns a post or a reply into check contexts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from hygie.compliance.checker import (
    CheckContext,
    Checker,
    CheckResult,
    Finding,
    MissingMention,
    ProductInfo,
)
from hygie.compliance.lexicon.matcher import ProductLexicon
from hygie.compliance.rules.catalog import SEVERITY_RANK
from hygie.products.dictionary import org_products, product_lexicon
from hygie.providers.registry import provider_class
from hygie.providers.text import measure

if TYPE_CHECKING:
    from hygie.accounts.models import Organization
    from hygie.channels.models import Channel
    from hygie.publishing.models import Post

_lock = threading.Lock()
_checkers: dict[int, tuple[object, Checker]] = {}
_shared: dict[int, Checker] = {}
_MAX_CACHED = 256


def _shared_checker(lexicon: ProductLexicon) -> Checker:
    """The checker of every organisation without products of its own (built once per lexicon:
    compiling the index takes a few hundred milliseconds)."""
    with _lock:
        checker = _shared.get(id(lexicon))
    if checker is None:
        checker = Checker(lexicon=lexicon)
        with _lock:
            _shared.clear()  # an older lexicon's checker is never used again
            _shared[id(lexicon)] = checker
    return checker


def warm_up() -> None:
    """Build the shared checker now (a worker's start), not in the first task or request."""
    _shared_checker(product_lexicon())


def checker_for(org: Organization) -> Checker:
    """The organisation's checker: the catalog, the medicine lexicon in force and the
    organisation's own products. Rebuilt only when one of them changed."""
    lexicon = product_lexicon()
    products = org_products(org)
    if not products:
        return _shared_checker(lexicon)
    key = (id(lexicon), products)
    with _lock:
        cached = _checkers.get(org.pk)
        if cached is not None and cached[0] == key:
            return cached[1]
    checker = Checker(lexicon=lexicon, products=products)
    with _lock:
        if len(_checkers) >= _MAX_CACHED:
            _checkers.clear()
        _checkers[org.pk] = (key, checker)
    return checker


def audience_of(org: Organization) -> str:
    return "pharmacy" if org.is_pharmacy else "company"


def base_context(org: Organization, kind: str = "post", **facts: object) -> CheckContext:
    context = CheckContext(
        audience=audience_of(org), kind=kind, target_countries=(org.country or "FR",)
    )
    return replace(context, **facts) if facts else context  # type: ignore[arg-type]


def network_facts(network: str) -> dict[str, object]:
    """The length limit of a network, counted its way (mandatory mentions must fit it)."""
    try:
        rule = provider_class(network).limits.length
    except KeyError:
        return {"network": network}
    return {
        "network": network,
        "char_limit": rule.max_length,
        "measure": lambda text: measure(text, rule),
    }


def check_text(
    org: Organization,
    text: str,
    *,
    kind: str = "post",
    networks: Iterable[str] = (),
    linked: Sequence[ProductInfo] = (),
    **facts: object,
) -> dict[str, CheckResult]:
    """``text`` checked once without a network (key ``""``) and once per network whose limit
    matters (the fit of mandatory mentions)."""
    checker = checker_for(org)
    context = base_context(org, kind, products=tuple(linked), **facts)
    results = {"": checker.check(text, context)}
    for network in dict.fromkeys(networks):
        if not network:
            continue
        results[network] = checker.check(text, replace(context, **network_facts(network)))  # type: ignore[arg-type]
    return results


def merge(results: Iterable[CheckResult]) -> CheckResult:
    """One result holding, per rule, the strongest finding of all the texts checked (a post's
    main text and its network variants); the first result's text and language."""
    results = list(results)
    strongest: dict[str, Finding] = {}
    mentions: dict[str, MissingMention] = {}
    for result in results:
        for finding in result.findings:
            known = strongest.get(finding.rule)
            if known is None or SEVERITY_RANK[finding.severity] < SEVERITY_RANK[known.severity]:
                strongest[finding.rule] = finding
        for mention in result.mentions:
            mentions.setdefault(mention.id, mention)
    first = results[0]
    findings = sorted(strongest.values(), key=lambda f: (SEVERITY_RANK[f.severity], f.start))
    return replace(first, findings=tuple(findings), mentions=tuple(mentions.values()))


def check_post(post: Post) -> CheckResult:
    """The post as it would be published: its text (or variant) on every target channel,
    with each network's limit. ``extra["networks"]`` holds the per-network results."""
    org = post.organization
    channels: list[Channel] = list(post.channels.all())
    checker = checker_for(org)
    context = base_context(org, "post")
    per_network: dict[str, CheckResult] = {}
    for channel in channels:
        if channel.network in per_network:
            continue
        text = post.text_for(channel.network)
        facts = network_facts(channel.network)
        per_network[channel.network] = checker.check(text, replace(context, **facts))  # type: ignore[arg-type]
    main = checker.check(post.text, context)
    merged = merge([main, *per_network.values()])
    return replace(merged, extra={**main.extra, "networks": per_network})


def blocked_networks(result: CheckResult) -> list[str]:
    """Networks where a mandatory mention cannot fit (publishing there is refused)."""
    networks = result.extra.get("networks", {})
    return sorted(
        network
        for network, checked in networks.items()
        if any(finding.does_not_fit for finding in checked.findings)
    )
