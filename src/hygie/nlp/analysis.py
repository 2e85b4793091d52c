"""What the lexicons and the product dictionary find in one message, and the model features.

:func:`analyse` runs every lexicon once over the folded text and keeps the spans (offsets in
the folded text; :meth:`Analysis.evidence` maps them back to the author's characters).
:func:`features` turns an analysis into the sparse string features the models read. Pure
Python, no Django.
"""

from __future__ import annotations

import gzip
import importlib.resources
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

from hygie.compliance.checker.folding import Folded
from hygie.compliance.lexicon.matcher import ProductLexicon
from hygie.nlp.lexicons import Lexicons
from hygie.nlp.types import Evidence, Lang

Span = tuple[int, int]
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]")
_URL = re.compile(r"https?://|www\.")
#: An event this close (characters) to a product counts as "near" it.
NEAR = 160


@dataclass
class Product:
    start: int  # offsets in the original text
    end: int
    surface: str
    name: str


@dataclass
class Analysis:
    text: str
    folded: Folded
    lang: Lang
    products: list[Product]
    hits: dict[str, list[Span]]
    special: dict[str, list[Span]]
    tokens: list[str] = field(default_factory=list)

    def has(self, category: str) -> bool:
        return bool(self.hits.get(category))

    def evidence(self, spans: list[Span], label: str = "") -> tuple[Evidence, ...]:
        out = []
        for start, end in spans:
            o_start, o_end = self.folded.original(start, end)
            out.append(Evidence(o_start, o_end, self.text[o_start:o_end], label))
        return tuple(out)

    def product_spans(self) -> list[Span]:
        """Products and generic drug words, in folded offsets (for proximity)."""
        spans = list(self.hits.get("generic_drug", ()))
        for p in self.products:
            spans.append(self._folded_span(p.start, p.end))
        return spans

    def _folded_span(self, start: int, end: int) -> Span:
        offsets = self.folded.offsets
        if offsets is None:
            return start, end
        # first folded index whose original offset >= start
        lo = next((i for i, o in enumerate(offsets) if o >= start), len(offsets) - 1)
        hi = next((i for i, o in enumerate(offsets) if o >= end), len(offsets) - 1)
        return lo, hi


@lru_cache(maxsize=1)
def english_drugs() -> frozenset[str]:
    """Folded English drug names (DrugBank open vocabulary, CC0), one or two words."""
    data = importlib.resources.files("hygie.nlp").joinpath("data/drugs_en.txt.gz")
    try:
        raw = data.read_bytes()
    except FileNotFoundError:
        return frozenset()
    return frozenset(gzip.decompress(raw).decode("utf-8").split("\n")) - {""}


@lru_cache(maxsize=1)
def valence() -> dict[str, float]:
    """Folded word -> sentiment valence (-4..4): the French VADER lexicon (vaderSentiment-fr)
    then the English one (VADER), both MIT; see data/NOTICE.md."""
    data = importlib.resources.files("hygie.nlp").joinpath("data/valence.txt.gz")
    try:
        raw = data.read_bytes()
    except FileNotFoundError:
        return {}
    out: dict[str, float] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        word, _, value = line.partition("\t")
        if word and value:
            out[word] = float(value)
    return out


_NEGATORS = frozenset(
    (
        "ne",
        "n",
        "pas",
        "plus",
        "jamais",
        "aucun",
        "aucune",
        "sans",
        "not",
        "no",
        "never",
        "don't",
        "didn't",
        "isn't",
        "wasn't",
        "doesn't",
    )
)


def _valence_features(tokens: list[str]) -> list[str]:
    table = valence()
    if not table:
        return []
    positive = negative = 0.0
    strongest_pos = strongest_neg = 0.0
    for index, token in enumerate(tokens):
        value = table.get(token)
        if value is None and "'" in token:
            value = table.get(token.split("'", 1)[1])
        if not value:
            continue
        window = tokens[max(0, index - 3) : index]
        if any(t in _NEGATORS or t.startswith("n'") for t in window):
            value = -0.75 * value
        if value > 0:
            positive += value
            strongest_pos = max(strongest_pos, value)
        else:
            negative -= value
            strongest_neg = max(strongest_neg, -value)
    total = positive - negative

    def level(x: float) -> str:
        return "0" if x < 0.2 else "1" if x < 1.0 else "2" if x < 2.0 else "3" if x < 4.0 else "4"

    out = [f"V:pos:{level(positive)}", f"V:neg:{level(negative)}"]
    out.append(f"V:maxpos:{level(strongest_pos)}")
    out.append(f"V:maxneg:{level(strongest_neg)}")
    sign = "+" if total > 0 else "-"
    out.append(f"V:sum:{sign}{level(abs(total))}")
    return out


def _spans(pattern: re.Pattern[str], folded: str) -> list[Span]:
    return [m.span() for m in pattern.finditer(folded)]


def find_products(
    text: str, folded: Folded, lang: Lang, lexicon: ProductLexicon, lexicons: Lexicons
) -> list[Product]:
    found: list[Product] = []
    taken: list[Span] = []
    for mention in lexicon.find(text):
        name = mention.name
        pretty = name.title() if mention.kind == "brand" else name.lower()
        found.append(Product(mention.start, mention.end, mention.surface, pretty))
        taken.append((mention.start, mention.end))
    for start, end in _spans(lexicons.slang_pattern, folded.folded):
        o_start, o_end = folded.original(start, end)
        if any(s < o_end and o_start < e for s, e in taken):
            continue
        slang_name = lexicons.slang.get(folded.folded[start:end])
        if slang_name:
            found.append(Product(o_start, o_end, text[o_start:o_end], slang_name))
            taken.append((o_start, o_end))
    if lang == "en":
        drugs = english_drugs()
        if drugs:
            words = list(re.finditer(r"[a-z][a-z0-9-]{3,}", folded.folded))
            for index, match in enumerate(words):
                candidates = [match.group()]
                if index + 1 < len(words) and words[index + 1].start() == match.end() + 1:
                    candidates.insert(0, f"{match.group()} {words[index + 1].group()}")
                for candidate in candidates:
                    if candidate in drugs:
                        end = match.end() if candidate == match.group() else words[index + 1].end()
                        o_start, o_end = folded.original(match.start(), end)
                        if not any(s < o_end and o_start < e for s, e in taken):
                            found.append(
                                Product(o_start, o_end, text[o_start:o_end], candidate.title())
                            )
                            taken.append((o_start, o_end))
                        break
    found.sort(key=lambda p: p.start)
    return found


def analyse(text: str, *, lang: Lang, lexicon: ProductLexicon, lexicons: Lexicons) -> Analysis:
    folded = Folded.of(text)
    hits = {name: _spans(pattern, folded.folded) for name, pattern in lexicons.patterns.items()}
    special = {name: _spans(pattern, folded.folded) for name, pattern in lexicons.special.items()}
    products = find_products(text, folded, lang, lexicon, lexicons)
    tokens = _WORD.findall(folded.folded)
    return Analysis(text, folded, lang, products, hits, special, tokens)


def _bucket(n: int) -> str:
    return "0" if n == 0 else "1" if n == 1 else "2" if n == 2 else "3+"


def _near(a: list[Span], b: list[Span], distance: int = NEAR) -> bool:
    return any(abs(sa - sb) <= distance for sa, _ in a for sb, _ in b)


def features(analysis: Analysis) -> list[str]:
    """Sparse features: words, word pairs and lexicon evidence."""
    tokens = analysis.tokens
    out = [f"lang:{analysis.lang}"]
    out.extend(f"w:{t}" for t in tokens)
    out.extend(f"b:{a}_{b}" for a, b in itertools.pairwise(tokens))
    hits = analysis.hits
    named = bool(analysis.products)
    generic = bool(hits.get("generic_drug"))
    product = named or generic
    events = list(hits.get("event", ()))
    event = bool(events)
    if named:
        out.append("L:named")
    if generic:
        out.append("L:generic")
    if product:
        out.append("L:product")
    out.append(f"L:event:{_bucket(len(events))}")
    if product and event:
        out.append("L:product+event")
        if _near(analysis.product_spans(), events):
            out.append("L:product~event")
    for category in (
        "no_event",
        "cause",
        "first_person",
        "relative",
        "hearsay",
        "quality",
        "insult",
        "threat",
        "hate",
        "defamation",
        "question",
        "medical_topic",
        "spam",
    ):
        if hits.get(category):
            out.append(f"L:{category}")
    if event and hits.get("cause"):
        out.append("L:cause+event")
        if product:
            out.append("L:product+cause+event")
    if event and (hits.get("first_person") or hits.get("relative")):
        out.append("L:person+event")
    if hits.get("question") and product:
        out.append("L:question+product")
    if "?" in tokens:
        out.append("L:qmark")
        if product or hits.get("medical_topic") or event:
            out.append("L:qmark+medical")
    for name, spans in analysis.special.items():
        if spans:
            out.append(f"S:{name}")
            if product:
                out.append(f"S:{name}+product")
    positives = len(hits.get("positive", ()))
    negatives = len(hits.get("negative", ()))
    out.append(f"P:pos:{_bucket(positives)}")
    out.append(f"P:neg:{_bucket(negatives)}")
    if positives > negatives:
        out.append("P:more_pos")
    elif negatives > positives:
        out.append("P:more_neg")
    if hits.get("negation"):
        out.append("L:negation")
    if _URL.search(analysis.folded.folded):
        out.append("L:url")
    if "!" in tokens:
        out.append("L:bang")
    out.extend(_valence_features(tokens))
    length = len(tokens)
    out.append("len:" + ("short" if length < 8 else "medium" if length < 40 else "long"))
    return out
