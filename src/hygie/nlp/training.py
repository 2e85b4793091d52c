"""Rebuild the shipped triage models from data, in one command, and print their evaluation.

    python -m hygie.nlp.training [--data ../shared/data] [--own eval/triage] [--out PATH]

Training data, all with a licence that allows a shipped model (see the sets' READMEs):

* ``eval/triage/train*.jsonl``: the project's own labelled messages (Apache-2.0), every task;
* PsyTAR ``train`` (CC BY 4.0): English patient-review sentences, adverse events (each
  sentence comes from a review of a medicine, so it is read with a medicine in context);
* MLMA French ``train`` slice and FTR ``train`` slice (MIT): abuse.

Never trained on: SMM4H, UMSAB, CyberAgressionAdo, ADE-Corpus-V2 (evaluation only), nor on any
development or test split. Thresholds are chosen on ``eval/triage/dev.jsonl`` (the project's
development set: F2 for adverse events, recall first; F1 for the others); the held-out
``eval/triage/test.jsonl`` is never read here.

Also rebuilds ``data/drugs_en.txt.gz`` (English drug names, DrugBank open vocabulary, CC0) when
the DrugBank folder is in the data directory.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hygie.nlp.analysis import Analysis, features
from hygie.nlp.evaluation import datasets
from hygie.nlp.model import Example, LinearModel, train_logistic, train_softmax
from hygie.nlp.pipeline import SENTIMENTS, TriageModels, Triager
from hygie.nlp.types import TriageResult

PACKAGE_DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).resolve().parents[3]
VERSION = "2026.11"

# Names in the DrugBank vocabulary that are everyday English words: never a drug mention.
_EN_STOP = frozenset(
    """water oxygen alcohol iron zinc copper silver gold sodium calcium potassium magnesium
    sulfur carbon nitrogen hydrogen helium lithium sugar glucose sucrose fructose lactose
    caffeine nicotine ethanol vitamin protein collagen gelatin honey coffee cocoa tea cotton
    wool salt vinegar citric acid starch glycerin menthol camphor charcoal urea alanine
    glycine lysine serine proline leucine arginine histidine tyrosine valine cysteine
    methionine glutamine threonine tryptophan phenylalanine isoleucine asparagine acetone
    benzene ammonia chlorine fluoride iodine bromine phosphorus selenium tin lead mercury
    arsenic titanium aluminium aluminum barium cobalt nickel platinum radium uranium heparin
    insulin histamine dopamine serotonin adrenaline epinephrine melatonin estrogen
    testosterone cortisol thyroxine progesterone ozone talc peanut soybean corn wheat rice
    milk egg fish shrimp latex dust pollen""".split()  # noqa: SIM905
)


def build_english_drugs(data: Path) -> int:
    source = data / "drugbank_vocabulary" / "drugbank_vocabulary.csv"
    if not source.exists():
        return 0
    names: set[str] = set()
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for raw in [row.get("Common name", ""), *(row.get("Synonyms") or "").split(" | ")]:
                name = raw.strip().lower()
                if not re.fullmatch(r"[a-z][a-z0-9-]{4,}(?: [a-z][a-z0-9-]{2,})?", name):
                    continue
                if name in _EN_STOP or name.split(" ")[0] in _EN_STOP:
                    continue
                names.add(name)
    payload = "\n".join(sorted(names)).encode("utf-8")
    (PACKAGE_DATA / "drugs_en.txt.gz").write_bytes(gzip.compress(payload, mtime=0))
    return len(names)


def build_valence(source: Path) -> int:
    """``data/valence.txt.gz`` from vaderSentiment-fr's ``fr_lexicon.txt`` (``word->value``)
    and VADER's ``vader_lexicon.txt`` (``word<TAB>value<TAB>…``), both MIT."""
    from hygie.compliance.rules.catalog import fold

    values: dict[str, float] = {}
    for line in (source / "fr_lexicon.txt").read_text(encoding="utf-8").splitlines():
        word, _, value = line.rpartition("->")
        try:
            number = float(value)
        except ValueError:
            continue
        key = fold(word.strip())
        if key and " " not in key:
            values.setdefault(key, number)
    for line in (source / "vader_lexicon.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        try:
            number = float(parts[1])
        except ValueError:
            continue
        key = fold(parts[0].strip())
        if key and " " not in key:
            values.setdefault(key, number)
    payload = "\n".join(f"{k}\t{v:g}" for k, v in sorted(values.items())).encode("utf-8")
    (PACKAGE_DATA / "valence.txt.gz").write_bytes(gzip.compress(payload, mtime=0))
    return len(values)


def read_own(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{path}:{number}: {exc}") from exc
    return rows


def featurise(
    triager: Triager, text: str, lang: str | None, channel: str | None, *, context_product: bool
) -> list[str]:
    analysis: Analysis = triager.analyse(text, lang=lang)
    if context_product:  # the sentence comes from a review of a medicine
        analysis.hits.setdefault("generic_drug", []).insert(0, (0, 0))
    feats = features(analysis)
    if channel:
        feats.append(f"ch:{channel}")
    return feats


def choose_threshold(
    scores: Sequence[float], labels: Sequence[bool], *, beta: float = 1.0
) -> float:
    """The threshold with the best F-beta on a development set (beta 2: recall counts twice
    as much as precision, for adverse events; ties go to the higher threshold)."""
    candidates = sorted({round(s, 3) for s in scores} | {0.5})
    positives = sum(labels)
    best, best_value = 0.5, -1.0
    b2 = beta * beta
    for threshold in candidates:
        tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
        fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and not y)
        recall = tp / positives if positives else 0.0
        precision = tp / (tp + fp) if tp + fp else 0.0
        denominator = b2 * precision + recall
        value = (1 + b2) * precision * recall / denominator if denominator else 0.0
        if value >= best_value:
            best, best_value = threshold, value
    return best


def _prf(pred: Sequence[bool], gold: Sequence[bool]) -> str:
    tp = sum(1 for p, g in zip(pred, gold, strict=True) if p and g)
    fp = sum(1 for p, g in zip(pred, gold, strict=True) if p and not g)
    fn = sum(1 for p, g in zip(pred, gold, strict=True) if g and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"n={len(gold):5d} pos={sum(gold):4d}  P={precision:.3f} R={recall:.3f} F1={f1:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hygie.nlp.training", description=__doc__)
    parser.add_argument("--data", type=Path, default=PROJECT.parent / "shared" / "data")
    parser.add_argument("--own", type=Path, default=PROJECT / "eval" / "triage")
    parser.add_argument("--out", type=Path, default=PACKAGE_DATA / "triage-model.json.gz")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument(
        "--vader", type=Path, help="vaderSentiment_fr folder: rebuild data/valence.txt.gz"
    )
    args = parser.parse_args(argv)
    log: Callable[[str], None] = lambda message: print(message, flush=True)  # noqa: E731

    if args.data.exists():
        log(f"English drug names from DrugBank: {build_english_drugs(args.data)}")
    if args.vader:
        log(f"valence lexicon (VADER fr + en): {build_valence(args.vader)} words")
    # Features need the lexicons and products only: a throw-away triager with empty models.
    empty = TriageModels(
        "untrained",
        LinearModel(),
        LinearModel(),
        LinearModel(),
        LinearModel(),
        train_softmax([], SENTIMENTS, epochs=0),
        {},
        {},
    )
    triager = Triager(models=empty)
    own = [row for path in sorted(args.own.glob("train*.jsonl")) for row in read_own(path)]
    log(f"own training messages: {len(own)}")

    ae: list[Example] = []
    abuse: list[Example] = []
    question: list[Example] = []
    spam: list[Example] = []
    sentiment: list[Example] = []
    for row in own:
        feats = featurise(
            triager, row["text"], row.get("lang"), row.get("channel"), context_product=False
        )
        ae.append((feats, int(bool(row["adverse_event"])), 1.0))
        abuse.append((feats, int(bool(row["abusive"])), 1.0))
        question.append((feats, int(bool(row["medical_question"])), 1.0))
        spam.append((feats, int(bool(row["spam"])), 1.0))
        sentiment.append((feats, SENTIMENTS.index(row["sentiment"]), 1.0))
    sources = {"own": len(own)}
    if args.data.exists():
        psytar = datasets.load_psytar(args.data, "train")
        for ex in psytar:
            feats = featurise(triager, ex.text, "en", None, context_product=True)
            # A source feature absorbs the set's own base rate (never present at run time).
            ae.append(([*feats, "src:psytar"], int(bool(ex.labels[datasets.AE_KEY])), 0.5))
        sources["psytar_train"] = len(psytar)
        for name, loader in (("mlma_train", datasets.load_mlma), ("ftr_train", datasets.load_ftr)):
            rows = loader(args.data, "train")
            for ex in rows:
                feats = featurise(triager, ex.text, "fr", None, context_product=False)
                label = int(bool(ex.labels[datasets.ABUSIVE_KEY]))
                abuse.append(([*feats, f"src:{name}"], label, 0.3))
            sources[name] = len(rows)
    log(f"training sources: {sources}")

    models = TriageModels(
        version="pending",
        adverse_event=train_logistic(ae, epochs=args.epochs),
        abusive=train_logistic(abuse, epochs=args.epochs),
        medical_question=train_logistic(question, epochs=args.epochs),
        spam=train_logistic(spam, epochs=args.epochs),
        sentiment=train_softmax(sentiment, SENTIMENTS, epochs=args.epochs),
        thresholds={},
        meta={"trained_on": sources},
    )

    # Thresholds on the development sets.
    thresholds = {"adverse_event": 0.5, "abusive": 0.5, "medical_question": 0.5, "spam": 0.5}
    dev_path = args.own / "dev.jsonl"
    dev = read_own(dev_path) if dev_path.exists() else []
    if dev:
        scored = []
        for row in dev:
            feats = featurise(
                triager, row["text"], row.get("lang"), row.get("channel"), context_product=False
            )
            analysis = triager.analyse(row["text"], lang=row.get("lang"))
            has_product = bool(analysis.products or analysis.hits.get("generic_drug"))
            scored.append((row, feats, has_product))
        ae_scores = [models.adverse_event.score(f) if hp else 0.0 for _, f, hp in scored]
        thresholds["adverse_event"] = choose_threshold(
            ae_scores, [bool(r["adverse_event"]) for r, _, _ in scored], beta=2.0
        )
        for key, model in (
            ("abusive", models.abusive),
            ("medical_question", models.medical_question),
            ("spam", models.spam),
        ):
            thresholds[key] = choose_threshold(
                [model.score(f) for _, f, _ in scored], [bool(r[key]) for r, _, _ in scored]
            )
    models = TriageModels(
        version="pending",
        adverse_event=models.adverse_event,
        abusive=models.abusive,
        medical_question=models.medical_question,
        spam=models.spam,
        sentiment=models.sentiment,
        thresholds=thresholds,
        meta={"trained_on": sources, "thresholds_from": "eval/triage/dev.jsonl" if dev else ""},
    )
    digest = hashlib.sha256(
        json.dumps(models.to_json(), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:8]
    models = TriageModels(**{**models.__dict__, "version": f"{VERSION}-{digest}"})
    models.save(args.out)
    log(f"wrote {args.out} ({args.out.stat().st_size:,} bytes), version {models.version}")
    log(f"thresholds: {thresholds}")

    # A short evaluation on the development sets (the full report: hygie manage eval_triage).
    probe = Triager(models=models)
    if dev:
        results = [
            probe.triage(r["text"], lang=r.get("lang"), channel=r.get("channel")) for r in dev
        ]
        log("dev (eval/triage/dev.jsonl):")
        flags: dict[str, Callable[[TriageResult], bool]] = {
            "adverse_event": lambda t: t.adverse_event.flag,
            "abusive": lambda t: t.abusive.flag,
            "medical_question": lambda t: t.medical_question,
            "spam": lambda t: t.spam,
            "quality_complaint": lambda t: t.quality_complaint,
        }
        for key, get in flags.items():
            log(f"  {key:18s} " + _prf([get(t) for t in results], [bool(r[key]) for r in dev]))
        correct = sum(1 for t, r in zip(results, dev, strict=True) if t.sentiment == r["sentiment"])
        log(f"  sentiment accuracy {correct / len(dev):.3f}")
    if args.data.exists():
        psy = datasets.load_psytar(args.data, "dev")
        preds = [
            probe.models.adverse_event.score(
                featurise(triager, ex.text, "en", None, context_product=True)
            )
            >= probe.ae_threshold
            for ex in psy
        ]
        log(
            "  psytar dev AE (medicine in context) "
            + _prf(preds, [bool(ex.labels[datasets.AE_KEY]) for ex in psy])
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
