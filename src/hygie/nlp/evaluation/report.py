"""Run a triager over the labelled sets and report precision, recall, F1 (macro-F1 for
sentiment) with 95 % bootstrap intervals, next to the published anchors (pure Python).

Used by ``hygie manage eval_triage``; any object with the ``triage`` method of
:class:`hygie.nlp.pipeline.Triager` can be measured (:class:`SupportsTriage`).

Sections, each row one task on one set (only the examples that carry its label):

* adverse event: SMM4H 2020 French and English dev, PsyTAR test, ADE-Corpus-V2 test slice,
  the project's own set; with a threshold sweep of the adverse-event score;
* special situations (PsyTAR's INF column is lack of efficacy), quality complaint, medical
  question, spam, minimum criteria, products: the project's own set;
* abuse: MLMA and FTR test slices, CyberAgressionAdo (with kind proxies), the own set;
* sentiment: UMSAB test (macro-F1), the own set;
* language: accuracy of the detected language, every set.

Anchors (:data:`ANCHORS`) are published figures measured on other test sets (SMM4H-HeaRD 2026's
own test data, not the SMM4H 2020 dev split measured here; XLM-T's UMSAB figure is on the same
UMSAB test split): "above" or "below" is a reading, not a like-for-like comparison, and the
report says when the anchor lies inside the 95 % interval. Rows with fewer than 10 positives
are marked: their intervals say little.

The own set is ``eval/triage/dev.jsonl`` by default; ``test.jsonl`` is held out (the report
says so, and ``details`` then lists ids only).
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from hygie.nlp.evaluation import datasets as ds
from hygie.nlp.evaluation.datasets import DATASETS, Dataset, DatasetNotFound, Example
from hygie.nlp.evaluation.metrics import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    DEFAULT_THRESHOLDS,
    BinaryScore,
    Interval,
    MulticlassScore,
    ThresholdPoint,
    accuracy_score,
    binary_score,
    multiclass_score,
    set_score,
    threshold_sweep,
)
from hygie.nlp.types import ABUSE_KINDS, CRITERIA, SPECIAL_SITUATIONS, TriageResult

#: The checkout (src/hygie/nlp/evaluation/report.py → four levels up).
PROJECT_ROOT = Path(__file__).resolve().parents[4]
HELD_OUT_WARNING = "held out: do not tune on this"
#: Characters of text shown by ``details`` for sets whose texts are internal only / the others.
INTERNAL_CHARS, OTHER_CHARS = 80, 160
#: Under this many positives, a bootstrap interval says little (it collapses to a point when
#: every resample draws the same few messages): such rows are marked "(few positives)".
FEW = 10
PUBLIC_ORDER = (
    "smm4h_fr",
    "smm4h_en",
    "psytar",
    "ade_corpus",
    "mlma",
    "ftr",
    "cyberagressionado",
    "umsab",
)


class SupportsTriage(Protocol):
    def triage(
        self, text: str, *, lang: str | None = None, channel: str | None = None
    ) -> TriageResult: ...


def default_data_root() -> Path | None:
    """``<checkout>/../shared/data`` when it exists."""
    path = PROJECT_ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None


def default_eval_dir() -> Path | None:
    path = PROJECT_ROOT / "eval" / "triage"
    return path if path.is_dir() else None


@dataclass(frozen=True)
class Anchor:
    value: float
    metric: Literal["f1", "macro_f1"]
    source: str
    #: "anchor": a figure to beat; "reference": context only (another kind of text or model).
    kind: str = "anchor"

    def verdict(self, value: float | None, interval: Interval) -> str:
        if value is None:
            return "not measured"
        side = "above" if value > self.value else "below" if value < self.value else "equal"
        if side != "equal" and interval.contains(self.value):
            side += " (within the 95 % CI)"
        return side

    def to_json(self, value: float | None, interval: Interval) -> dict[str, Any]:
        return {
            "value": self.value,
            "metric": self.metric,
            "source": self.source,
            "kind": self.kind,
            "verdict": self.verdict(value, interval),
        }


#: (task, dataset) → the published figure it is read against.
ANCHORS: dict[tuple[str, str], Anchor] = {
    ("adverse_event", "smm4h_fr"): Anchor(0.705, "f1", "SMM4H-HeaRD 2026 French F1"),
    ("adverse_event", "smm4h_en"): Anchor(0.726, "f1", "SMM4H-HeaRD 2026 English F1"),
    ("sentiment", "umsab"): Anchor(0.720, "macro_f1", "XLM-R mono, XLM-T paper"),
    ("adverse_event", "ade_corpus"): Anchor(
        0.93, "f1", "fine-tuned BioBERT on a random split", kind="reference"
    ),
}
#: Abuse kinds measured on a set (others: every kind of ABUSE_KINDS).
KIND_PROXIES: dict[str, tuple[str, ...]] = {"cyberagressionado": ("insult", "threat", "hate")}


# -- what is measured ------------------------------------------------------------------------

Gold = Callable[[Example], Any]
Found = Callable[[TriageResult], Any]
Kind = Literal["binary", "multiclass", "set", "accuracy"]


@dataclass(frozen=True)
class Task:
    section: str
    key: str
    name: str
    kind: Kind
    gold: Gold
    found: Found
    #: The score behind a binary flag, for the threshold sweep.
    score: Callable[[TriageResult], float] | None = None
    #: Which sets (by name) it runs on; None: every set whose examples carry its label.
    only: tuple[str, ...] | None = None


def _label(key: str) -> Gold:
    def gold(example: Example) -> bool | None:
        value = example.labels.get(key)
        return value if isinstance(value, bool) else None

    return gold


def _names(example: Example, key: str) -> tuple[str, ...] | None:
    value = example.labels.get(key)
    return value if isinstance(value, tuple) else None


def _member(key: str, name: str) -> Gold:
    def gold(example: Example) -> bool | None:
        values = _names(example, key)
        return None if values is None else name in values

    return gold


def _special(name: str) -> Gold:
    def gold(example: Example) -> bool | None:
        situations = _names(example, ds.SPECIAL_KEY)
        if situations is not None:
            return name in situations
        if name == "lack_of_efficacy":
            value = example.labels.get(ds.LACK_OF_EFFICACY_KEY)
            return value if isinstance(value, bool) else None
        return None

    return gold


def _any_special(example: Example) -> bool | None:
    situations = _names(example, ds.SPECIAL_KEY)
    return None if situations is None else bool(situations)


def _criteria(example: Example) -> Mapping[str, bool] | None:
    value = example.labels.get(ds.CRITERIA_KEY)
    return value if isinstance(value, Mapping) else None


def _criterion(name: str) -> Gold:
    def gold(example: Example) -> bool | None:
        criteria = _criteria(example)
        return None if criteria is None or name not in criteria else bool(criteria[name])

    return gold


def _all_criteria(example: Example) -> bool | None:
    criteria = _criteria(example)
    if criteria is None or set(criteria) != set(CRITERIA):
        return None
    return all(criteria.values())


def fold_name(name: str) -> str:
    """Product names compare without case, accents or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _products(example: Example) -> frozenset[str] | None:
    names = _names(example, ds.PRODUCTS_KEY)
    return None if names is None else frozenset(fold_name(n) for n in names)


def _sentiment(example: Example) -> str | None:
    value = example.labels.get(ds.SENTIMENT_KEY)
    return value if isinstance(value, str) else None


def _language(example: Example) -> str | None:
    return example.lang or None


def _found_special(name: str) -> Found:
    return lambda result: name in result.special_situations


def _found_criterion(name: str) -> Found:
    return lambda result: bool(result.minimum_criteria.get(name))


def _found_kind(kind: str) -> Found:
    return lambda result: kind in result.abuse_kinds


def _tasks() -> list[Task]:
    tasks = [
        Task(
            "adverse event",
            "adverse_event",
            "adverse event",
            "binary",
            _label(ds.AE_KEY),
            lambda r: r.adverse_event.flag,
            score=lambda r: r.adverse_event.score,
        ),
        Task(
            "special situations",
            "special",
            "any situation",
            "binary",
            _any_special,
            lambda r: bool(r.special_situations),
        ),
    ]
    tasks += [
        Task(
            "special situations",
            f"special:{name}",
            name,
            "binary",
            _special(name),
            _found_special(name),
        )
        for name in SPECIAL_SITUATIONS
    ]
    tasks += [
        Task(
            "quality complaint",
            "quality_complaint",
            "quality complaint",
            "binary",
            _label(ds.QUALITY_KEY),
            lambda r: r.quality_complaint,
        ),
        Task(
            "medical question",
            "medical_question",
            "medical question",
            "binary",
            _label(ds.QUESTION_KEY),
            lambda r: r.medical_question,
        ),
        Task("spam", "spam", "spam", "binary", _label(ds.SPAM_KEY), lambda r: r.spam),
    ]
    tasks += [
        Task(
            "minimum criteria",
            f"criteria:{name}",
            name,
            "binary",
            _criterion(name),
            _found_criterion(name),
        )
        for name in CRITERIA
    ]
    tasks += [
        Task(
            "minimum criteria",
            "criteria:all",
            "all four",
            "binary",
            _all_criteria,
            lambda r: all(r.minimum_criteria.get(name) for name in CRITERIA),
        ),
        Task(
            "products",
            "products",
            "products named",
            "set",
            _products,
            lambda r: frozenset(fold_name(n) for n in r.products),
        ),
        Task(
            "abuse",
            "abusive",
            "abusive",
            "binary",
            _label(ds.ABUSIVE_KEY),
            lambda r: r.abusive.flag,
            score=lambda r: r.abusive.score,
        ),
    ]
    tasks += [
        Task(
            "abuse",
            f"abuse:{kind}",
            f"kind: {kind}",
            "binary",
            _member(ds.ABUSE_KINDS_KEY, kind),
            _found_kind(kind),
        )
        for kind in ABUSE_KINDS
    ]
    tasks += [
        Task(
            "sentiment", "sentiment", "sentiment", "multiclass", _sentiment, lambda r: r.sentiment
        ),
        Task("language", "language", "language", "accuracy", _language, lambda r: r.lang),
    ]
    return tasks


TASKS: list[Task] = _tasks()


# -- results ---------------------------------------------------------------------------------


@dataclass
class Miss:
    id: str
    expected: str
    found: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "expected": self.expected, "found": self.found, "text": self.text}


@dataclass
class Row:
    task: Task
    dataset: str
    n: int
    score: BinaryScore | MulticlassScore | tuple[float | None, Interval]
    anchor: Anchor | None = None
    sweep: list[ThresholdPoint] = field(default_factory=list)
    #: The pipeline's threshold for the swept score (sweep rows below it are upper bounds).
    threshold: float | None = None
    misses: list[Miss] = field(default_factory=list)

    @property
    def headline(self) -> tuple[float | None, Interval]:
        """F1, macro-F1 or accuracy, whichever the row reports first."""
        if isinstance(self.score, BinaryScore):
            return self.score.f1, self.score.ci["f1"]
        if isinstance(self.score, MulticlassScore):
            return self.score.macro_f1, self.score.ci["macro_f1"]
        return self.score

    def to_json(self, *, details: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "section": self.task.section,
            "task": self.task.key,
            "dataset": self.dataset,
            "kind": self.task.kind,
            "n": self.n,
        }
        if isinstance(self.score, BinaryScore | MulticlassScore):
            out.update(self.score.to_json())
        else:
            value, interval = self.score
            out.update({"accuracy": None if value is None else round(value, 4)})
            out["ci95"] = {"accuracy": interval.to_json()}
        if self.anchor is not None:
            out["anchor"] = self.anchor.to_json(*self.headline)
        if self.sweep:
            out["threshold"] = self.threshold
            out["sweep"] = [point.to_json() for point in self.sweep]
        if details:
            out["misclassified"] = [miss.to_json() for miss in self.misses]
        return out


@dataclass
class DatasetRun:
    name: str
    dataset: Dataset
    split: str
    status: str = "ok"
    path: str = ""
    examples: list[Example] = field(default_factory=list)
    results: list[TriageResult] = field(default_factory=list)
    total: int = 0
    cpu_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        rate = len(self.results) / self.cpu_seconds if self.cpu_seconds else None
        return {
            "name": self.name,
            "title": self.dataset.title,
            "split": self.split,
            "status": self.status,
            "path": self.path,
            "n": len(self.examples),
            "available": self.total,
            "licence": self.dataset.licence,
            "trainable": self.dataset.trainable,
            "internal_only": self.dataset.internal_only,
            "cpu_seconds": round(self.cpu_seconds, 3),
            "messages_per_cpu_second": None if rate is None else round(rate, 1),
        }


@dataclass
class Report:
    runs: list[DatasetRun]
    rows: list[Row]
    split: str
    resamples: int
    seed: int
    limit: int | None
    model_version: str = ""
    data_root: str = ""
    eval_dir: str = ""

    @property
    def held_out(self) -> bool:
        return self.split == "test"

    def to_json(self, *, details: bool = False) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "split": self.split,
            "held_out": self.held_out,
            "warning": HELD_OUT_WARNING if self.held_out else None,
            "resamples": self.resamples,
            "seed": self.seed,
            "confidence": 0.95,
            "limit": self.limit,
            "data_root": self.data_root,
            "eval_dir": self.eval_dir,
            "datasets": [run.to_json() for run in self.runs],
            "rows": [row.to_json(details=details) for row in self.rows],
        }


# -- running ---------------------------------------------------------------------------------


def _primary(example: Example) -> object:
    for key in (ds.AE_KEY, ds.ABUSIVE_KEY, ds.SENTIMENT_KEY):
        if key in example.labels:
            return example.labels[key]
    return None


def subsample(examples: list[Example], limit: int, seed: int = ds.SPLIT_SEED) -> list[Example]:
    """At most ``limit`` examples, drawn per label so positives keep their share (fixed seed)."""
    if limit >= len(examples):
        return examples
    _, picked = ds.stratified_split(examples, _primary, limit / len(examples), seed)
    if len(picked) > limit:
        rng = random.Random(seed)  # noqa: S311  (a reproducible sample, not a secret)
        keep = set(rng.sample(range(len(picked)), limit))
        picked = [example for index, example in enumerate(picked) if index in keep]
    return picked


def load_runs(
    data_root: Path | None,
    eval_dir: Path | None,
    *,
    split: str = "dev",
    names: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[DatasetRun]:
    """Every set asked for (default: all), loaded; a missing folder or file is a run with the
    status "skipped (not found)"."""
    wanted = list(names) if names else [*PUBLIC_ORDER, "hygie"]
    unknown = [name for name in wanted if name not in DATASETS]
    if unknown:
        raise ValueError(f"unknown data set(s) {unknown}: one of {', '.join(DATASETS)}")
    runs = []
    for name in wanted:
        dataset = DATASETS[name]
        own = name == "hygie"
        run_split = split if own else dataset.eval_split
        run = DatasetRun(f"hygie-{split}" if own else name, dataset, run_split)
        root = eval_dir if own else data_root
        if root is None:
            run.status = "skipped (not found)"
            runs.append(run)
            continue
        run.path = str(root if own else root / dataset.folder)
        try:
            examples = dataset.load(root, run_split)
        except DatasetNotFound:
            run.status = "skipped (not found)"
        else:
            run.total = len(examples)
            run.examples = subsample(examples, limit) if limit else examples
        runs.append(run)
    return runs


def triage_all(
    triager: SupportsTriage,
    run: DatasetRun,
    *,
    given_lang: bool = False,
    progress: Callable[[str], None] | None = None,
) -> None:
    if progress:
        progress(f"triaging {run.name}: {len(run.examples):,} messages")
    started = time.process_time()
    results = []
    for example in run.examples:
        try:
            results.append(
                triager.triage(
                    example.text,
                    lang=example.lang if given_lang and example.lang else None,
                    channel=example.channel,
                )
            )
        except Exception as error:
            raise RuntimeError(f"{run.name} {example.id}: {error!r}") from error
    run.cpu_seconds = time.process_time() - started
    run.results = results


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, frozenset | set | tuple | list):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    return str(value)


def _excerpt(run: DatasetRun, example: Example, held_out: bool) -> str:
    if held_out:
        return ""
    limit = INTERNAL_CHARS if run.dataset.internal_only else OTHER_CHARS
    text = " ".join(example.text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _effective_scores(
    flags: Sequence[bool], scores: Sequence[float], threshold: float | None
) -> list[float]:
    """Scores for the sweep: a message scored above the pipeline's threshold but not flagged
    was held back by a rule (e.g. no medicine named) and stays unflagged at any threshold."""
    if threshold is None:
        return list(scores)
    return [
        s if flag or s < threshold else float("-inf") for flag, s in zip(flags, scores, strict=True)
    ]


def measure(
    run: DatasetRun,
    task: Task,
    *,
    resamples: int,
    seed: int,
    threshold: float | None = None,
    held_out: bool = False,
) -> Row | None:
    """The row of one task on one triaged set, or None when no example carries its label."""
    if task.only is not None and run.dataset.name not in task.only:
        return None
    if task.key.startswith("abuse:"):
        kind = task.key.split(":", 1)[1]
        if kind not in KIND_PROXIES.get(run.dataset.name, ABUSE_KINDS):
            return None
    pairs = [
        (example, result, gold)
        for example, result in zip(run.examples, run.results, strict=True)
        if (gold := task.gold(example)) is not None
    ]
    if not pairs:
        return None
    golds = [gold for _, _, gold in pairs]
    founds = [task.found(result) for _, result, _ in pairs]
    score: BinaryScore | MulticlassScore | tuple[float | None, Interval]
    if task.kind == "binary":
        score = binary_score(golds, founds, resamples=resamples, seed=seed)
    elif task.kind == "set":
        score = set_score(golds, founds, resamples=resamples, seed=seed)
    elif task.kind == "multiclass":
        score = multiclass_score(
            golds, founds, labels=ds.SENTIMENTS, resamples=resamples, seed=seed
        )
    else:
        score = accuracy_score(golds, founds, resamples=resamples, seed=seed)
    row = Row(task, run.name, len(pairs), score, anchor=ANCHORS.get((task.key, run.dataset.name)))
    if task.score is not None:
        scores = [task.score(result) for _, result, _ in pairs]
        row.threshold = threshold
        row.sweep = threshold_sweep(
            golds, _effective_scores(founds, scores, threshold), DEFAULT_THRESHOLDS
        )
    row.misses = [
        Miss(example.id, _shown(gold), _shown(found), _excerpt(run, example, held_out))
        for (example, _, gold), found in zip(pairs, founds, strict=True)
        if gold != found
    ]
    return row


#: Tasks also reported per language on the own set (it mixes French and English messages).
BY_LANGUAGE = ("adverse_event", "abusive", "sentiment")


def by_language(run: DatasetRun) -> list[DatasetRun]:
    """The run's messages split by their labelled language, when there are several."""
    languages = sorted({example.lang for example in run.examples if example.lang})
    if len(languages) < 2:
        return []
    parts = []
    for lang in languages:
        pairs = [(e, r) for e, r in zip(run.examples, run.results, strict=True) if e.lang == lang]
        part = DatasetRun(f"{run.name} {lang}", run.dataset, run.split, run.status, run.path)
        part.examples = [e for e, _ in pairs]
        part.results = [r for _, r in pairs]
        parts.append(part)
    return parts


def _threshold(triager: object, attribute: str) -> float | None:
    value = getattr(triager, attribute, None)
    return float(value) if isinstance(value, int | float) else None


def evaluate(
    triager: SupportsTriage,
    *,
    data_root: Path | None,
    eval_dir: Path | None,
    split: str = "dev",
    names: Sequence[str] | None = None,
    limit: int | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    given_lang: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Load the sets, triage every message, measure every task on every set."""
    if split not in ("dev", "test"):
        raise ValueError(f"split must be dev or test, not {split!r}")
    runs = load_runs(data_root, eval_dir, split=split, names=names, limit=limit)
    thresholds = {
        "adverse_event": _threshold(triager, "ae_threshold"),
        "abusive": _threshold(triager, "abuse_threshold"),
    }
    rows = []
    for run in runs:
        if run.status != "ok":
            continue
        triage_all(triager, run, given_lang=given_lang, progress=progress)
    for task in TASKS:
        for run in runs:
            if run.status != "ok" or not run.examples:
                continue
            own = run.dataset.name == "hygie"
            parts = [run]
            if own and task.key in BY_LANGUAGE:
                parts += by_language(run)
            for part in parts:
                row = measure(
                    part,
                    task,
                    resamples=resamples,
                    seed=seed,
                    threshold=thresholds.get(task.key),
                    held_out=own and split == "test",
                )
                if row is not None:
                    rows.append(row)
    version = next((r.model_version for run in runs for r in run.results if r.model_version), "")
    return Report(
        runs=runs,
        rows=rows,
        split=split,
        resamples=resamples,
        seed=seed,
        limit=limit,
        model_version=version,
        data_root=str(data_root or ""),
        eval_dir=str(eval_dir or ""),
    )


# -- text output -----------------------------------------------------------------------------


def _num(value: float | None) -> str:
    return "  —  " if value is None else f"{value:.3f}"


def _ci(interval: Interval) -> str:
    if interval.low is None or interval.high is None:
        return "[    —    ]"
    return f"[{interval.low:.2f}–{interval.high:.2f}]"


def _with_ci(value: float | None, interval: Interval) -> str:
    return f"{_num(value)} {_ci(interval)}"


def _anchor_text(row: Row) -> str:
    if row.anchor is None:
        return ""
    value, interval = row.headline
    return (
        f"  {row.anchor.kind} {row.anchor.value:.3f} ({row.anchor.source})"
        f" — {row.anchor.verdict(value, interval)}"
    )


def _row_lines(row: Row) -> list[str]:
    head = f"{row.task.name:<20.20} {row.dataset:<17.17}"
    score = row.score
    if isinstance(score, BinaryScore):
        line = (
            f"{head} {score.n:>6} {score.positives:>5} {score.predicted:>5}"
            f"  {_with_ci(score.precision, score.ci['precision'])}"
            f"  {_with_ci(score.recall, score.ci['recall'])}"
            f"  {_with_ci(score.f1, score.ci['f1'])}"
        )
        if score.exact is not None:
            line += f"  exact sets {_num(score.exact)}"
        if score.positives < FEW:
            line += "  (few positives)"
        lines = [line + _anchor_text(row)]
        if row.sweep:
            lines += _sweep_lines(row)
        return lines
    if isinstance(score, MulticlassScore):
        per_class = ", ".join(f"{label} {_num(s.f1)}" for label, s in score.per_class().items())
        return [
            f"{head} {score.n:>6}  macro-F1 {_with_ci(score.macro_f1, score.ci['macro_f1'])}"
            f"  accuracy {_with_ci(score.accuracy, score.ci['accuracy'])}"
            f"  F1 per class: {per_class}{_anchor_text(row)}"
        ]
    value, interval = score
    return [f"{head} {row.n:>6}  accuracy {_with_ci(value, interval)}"]


def _sweep_lines(row: Row) -> list[str]:
    below = row.threshold or 0.0
    marks = "".join(
        f" {point.threshold:>5.2f}{'*' if point.threshold < below else ' '}" for point in row.sweep
    )
    pad = " " * 39
    in_use = f"  (in use: {row.threshold:.2f})" if row.threshold is not None else ""
    return [
        f"{pad}score ≥{marks}{in_use}".rstrip(),
        f"{pad}P      " + "".join(f" {_num(p.precision):>5} " for p in row.sweep).rstrip(),
        f"{pad}R      " + "".join(f" {_num(p.recall):>5} " for p in row.sweep).rstrip(),
    ]


SWEEP_NOTE = (
    "score ≥ t: what the flag would be at threshold t. * below the threshold in use: upper"
    " bounds (a rule that holds a message back, e.g. no medicine named, is only seen above it)"
)


_HEADERS = {
    "binary": f"{'task':<20} {'dataset':<17} {'n':>6} {'pos':>5} {'pred':>5}"
    f"  {'P':<5} {'95 % CI':<11}  {'R':<5} {'95 % CI':<11}  {'F1':<5} {'95 % CI':<11}",
    "multiclass": f"{'task':<20} {'dataset':<17} {'n':>6}",
    "accuracy": f"{'task':<20} {'dataset':<17} {'n':>6}",
}


def format_report(report: Report, *, details: bool = False) -> list[str]:
    """The plain-text report (the look of ``eval_compliance``)."""
    lines = [
        f"Triage evaluation — model {report.model_version or '?'}; 95 % CI: percentile bootstrap,"
        f" {report.resamples:,} resamples of the messages, seed {report.seed}"
        + (f"; at most {report.limit:,} messages per set" if report.limit else ""),
    ]
    if report.held_out:
        lines.append(f"!! own set: test split — {HELD_OUT_WARNING}")
    lines.append(
        f"data: {report.data_root or 'not found'}; own set: {report.eval_dir or 'not found'}"
    )
    for run in report.runs:
        if run.status != "ok":
            lines.append(f"  {run.name:<18} {run.status}")
            continue
        rate = len(run.results) / run.cpu_seconds if run.cpu_seconds else 0.0
        use = "trainable" if run.dataset.trainable else "evaluation only"
        if run.dataset.internal_only:
            use += ", internal only"
        sampled = f" of {run.total:,}" if run.total != len(run.examples) else ""
        lines.append(
            f"  {run.name:<18} {len(run.examples):>6,}{sampled} messages ({run.split})"
            f"  {run.dataset.licence}: {use}  {rate:,.0f} msg/CPU s"
        )
    sections: dict[str, list[Row]] = {}
    for row in report.rows:
        sections.setdefault(row.task.section, []).append(row)
    for section, rows in sections.items():
        lines.append("")
        lines.append(f"== {section}")
        kind = "binary" if rows[0].task.kind in ("binary", "set") else rows[0].task.kind
        lines.append(_HEADERS[kind].rstrip())
        for row in rows:
            lines += _row_lines(row)
        if any(row.sweep for row in rows):
            lines.append(SWEEP_NOTE)
    if details:
        lines.append("")
        lines.append("-- misclassified (expected → found)")
        for row in report.rows:
            for miss in row.misses:
                text = f" | {miss.text}" if miss.text else ""
                where = f"{row.task.name} @ {row.dataset}"
                lines.append(f"{where}: {miss.id} {miss.expected} → {miss.found}{text}")
        if report.held_out:
            lines.append(f"(own test split: ids only — {HELD_OUT_WARNING})")
    return lines


__all__ = [
    "ANCHORS",
    "HELD_OUT_WARNING",
    "Report",
    "SupportsTriage",
    "default_data_root",
    "default_eval_dir",
    "evaluate",
    "format_report",
]
