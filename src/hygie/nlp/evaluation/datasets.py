"""Labelled data sets for measuring the triage pipeline (pure Python, no Django).

Every loader returns a list of :class:`Example`: an id, the text, its language and a ``labels``
mapping with only the labels that set carries (see the ``*_KEY`` constants). The public sets
live in ``shared/data`` beside the checkout, one folder each, as described in that folder's
README.md; the project's own sets are ``eval/triage/{train,dev,test}.jsonl``.

**Licences and training.** A model shipped with Hygie may only be trained on data under CC BY,
MIT, CC0, Licence Ouverte, GFDL or BSD (:data:`TRAINABLE_LICENCES`). Each :class:`Dataset` says
its licence and whether it is ``trainable``; :func:`training_examples` refuses the others and
only ever returns a training slice. SMM4H, UMSAB, CyberAgressionAdo and ADE-Corpus-V2 are for
evaluation only, and the texts of SMM4H, UMSAB and CyberAgressionAdo are internal only
(``internal_only``): never publish them, never print them in full.

**Fixed splits.** Where a set has no official split, :func:`stratified_split` draws a
fixed-seed, per-label slice (:data:`SPLIT_SEED`), so every run and every engineer sees the same
slices as long as the file does not change: ADE-Corpus-V2 15 % test, MLMA and FTR 30 % test.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from hygie.nlp.types import ABUSE_KINDS, CRITERIA, SPECIAL_SITUATIONS

#: Label keys. Booleans unless said otherwise.
AE_KEY = "adverse_event"
LACK_OF_EFFICACY_KEY = "lack_of_efficacy"
ABUSIVE_KEY = "abusive"
ABUSE_KINDS_KEY = "abuse_kinds"  # tuple[str, ...] of ABUSE_KINDS
SENTIMENT_KEY = "sentiment"  # "negative" | "neutral" | "positive"
SPECIAL_KEY = "special_situations"  # tuple[str, ...] of SPECIAL_SITUATIONS
QUALITY_KEY = "quality_complaint"
QUESTION_KEY = "medical_question"
SPAM_KEY = "spam"
CRITERIA_KEY = "minimum_criteria"  # Mapping[str, bool] over CRITERIA
PRODUCTS_KEY = "products"  # tuple[str, ...] of product names

SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
TRAINABLE_LICENCES: tuple[str, ...] = (
    "CC BY",
    "MIT",
    "CC0",
    "Licence Ouverte",
    "GFDL",
    "BSD",
)
#: Seed of every fixed split drawn here. Changing it changes the test slices: don't.
SPLIT_SEED = 20261122

LabelValue = bool | str | tuple[str, ...] | Mapping[str, bool]


@dataclass(frozen=True, slots=True, eq=False)
class Example:
    id: str
    text: str
    lang: str
    labels: Mapping[str, LabelValue]
    channel: str | None = None


class DatasetNotFound(FileNotFoundError):
    """The set's folder or file is not there: reported as skipped, never an error."""


class LicenceError(RuntimeError):
    """A set that may not be used to train a shipped model was asked for training."""


@dataclass(frozen=True, eq=False)
class Dataset:
    name: str
    title: str
    #: Folder under the data root (the public sets) or "" for the project's own set.
    folder: str
    lang: str
    licence: str
    #: May its training slice be used to train a model shipped with Hygie?
    trainable: bool
    #: Texts must stay inside the team: the report shows ids and at most 80 characters.
    internal_only: bool
    #: The split the report measures; ``splits`` lists every split the loader accepts.
    eval_split: str
    splits: tuple[str, ...]
    #: Label keys the set carries.
    tasks: tuple[str, ...]
    load: Callable[[Path, str], list[Example]]
    note: str = ""


# -- reading files ---------------------------------------------------------------------------


def _rows(path: Path, delimiter: str) -> Iterator[dict[str, str]]:
    """CSV or TSV with a header and CSV-style quoting (``""`` inside quoted fields)."""
    if not path.is_file():
        raise DatasetNotFound(str(path))
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=delimiter):
            yield {key.strip(): (value or "") for key, value in row.items() if key is not None}


def _require(row: Mapping[str, str], *columns: str, where: str) -> None:
    missing = [column for column in columns if column not in row]
    if missing:
        raise ValueError(f"{where}: missing columns {missing}")


def _check_split(name: str, split: str, allowed: Sequence[str]) -> None:
    if split not in allowed:
        raise ValueError(f"{name}: unknown split {split!r} (one of {', '.join(allowed)})")


T = TypeVar("T")


def stratified_split(
    items: Sequence[T],
    key: Callable[[T], object],
    test_fraction: float,
    seed: int = SPLIT_SEED,
) -> tuple[list[T], list[T]]:
    """(train, test): for each label value, ``round(test_fraction × count)`` items drawn with a
    seeded generator of their own (order of the file kept in both slices)."""
    groups: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(repr(key(item)), []).append(index)
    picked: set[int] = set()
    for label in sorted(groups):
        indices = groups[label]
        rng = random.Random(f"{seed}:{label}")  # noqa: S311  (a reproducible split, not a secret)
        picked.update(rng.sample(indices, round(len(indices) * test_fraction)))
    train = [item for index, item in enumerate(items) if index not in picked]
    test = [item for index, item in enumerate(items) if index in picked]
    return train, test


def _slice(examples: list[Example], key: str, split: str, fraction: float) -> list[Example]:
    train, test = stratified_split(examples, lambda example: example.labels[key], fraction)
    return test if split == "test" else train


# -- public sets -----------------------------------------------------------------------------


def load_smm4h(root: Path, lang: str, split: str = "dev") -> list[Example]:
    """SMM4H 2020 Task 2 (``smm4h2020_task2_{fr,en}``): tweets, ``adverse_event`` = class 1.

    TSV with a header (``tweet_id``, ``user_id``, ``class``, ``tweet``) and CSV-style quoting.
    Licence: SMM4H research data agreement and X terms — **evaluation only, internal only**.
    The report measures ``dev``; ``train`` exists but is not used here.
    """
    _check_split(f"smm4h_{lang}", split, ("dev", "train"))
    path = root / f"smm4h2020_task2_{lang}" / f"{split}.tsv"
    examples = []
    for number, row in enumerate(_rows(path, "\t"), start=2):
        _require(row, "tweet_id", "class", "tweet", where=f"{path}:{number}")
        examples.append(
            Example(
                id=f"smm4h-{lang}-{row['tweet_id'].strip()}",
                text=row["tweet"].strip(),
                lang=lang,
                labels={AE_KEY: row["class"].strip() == "1"},
            )
        )
    return examples


def load_psytar(root: Path, split: str = "test") -> list[Example]:
    """PsyTAR (``psytar/sentences_{split}.tsv``): English patient-review sentences.

    ``adverse_event`` = ADR or WD (withdrawal symptom) is 1; ``lack_of_efficacy`` = INF is 1.
    Licence: CC BY 4.0 — its ``train`` file may be used for training; the report measures
    ``test``.
    """
    _check_split("psytar", split, ("train", "dev", "test"))
    path = root / "psytar" / f"sentences_{split}.tsv"
    examples = []
    for number, row in enumerate(_rows(path, "\t"), start=2):
        _require(row, "sentences", "ADR", "WD", "INF", where=f"{path}:{number}")
        adverse = row["ADR"].strip() == "1" or row["WD"].strip() == "1"
        examples.append(
            Example(
                id=f"psytar-{split}-{number}",
                text=row["sentences"].strip(),
                lang="en",
                labels={AE_KEY: adverse, LACK_OF_EFFICACY_KEY: row["INF"].strip() == "1"},
            )
        )
    return examples


def load_ade_corpus(root: Path, split: str = "test") -> list[Example]:
    """ADE-Corpus-V2 (``ade_corpus_v2/sentence_classification.tsv``): MEDLINE case-report
    sentences, ``adverse_event`` = label 1.

    No official split: the test slice is a fixed-seed stratified 15 % (:func:`stratified_split`).
    Licence: none stated — **evaluation only**. The other 85 % is not used by anyone, for
    training or tuning either, so only ``test`` is offered.
    """
    _check_split("ade_corpus", split, ("test",))
    path = root / "ade_corpus_v2" / "sentence_classification.tsv"
    examples = []
    for number, row in enumerate(_rows(path, "\t"), start=2):
        _require(row, "text", "label", where=f"{path}:{number}")
        examples.append(
            Example(
                id=f"ade-{number}",
                text=row["text"].strip(),
                lang="en",
                labels={AE_KEY: row["label"].strip() == "1"},
            )
        )
    return _slice(examples, AE_KEY, split, 0.15)


def load_mlma(root: Path, split: str = "test") -> list[Example]:
    """MLMA hate speech, French (``mlma_hate_speech_fr/fr_dataset.csv``): ``abusive`` = the
    ``sentiment`` column is anything but the single label ``normal`` (the authors' convention).

    Fixed-seed stratified 30 % ``test`` slice, the other 70 % is ``train``. Licence: MIT — the
    train slice may be used to train a shipped model; never the test slice.
    """
    _check_split("mlma", split, ("train", "test"))
    path = root / "mlma_hate_speech_fr" / "fr_dataset.csv"
    examples = []
    for number, row in enumerate(_rows(path, ","), start=2):
        _require(row, "HITId", "tweet", "sentiment", where=f"{path}:{number}")
        examples.append(
            Example(
                id=f"mlma-{row['HITId'].strip()}",
                text=row["tweet"].strip(),
                lang="fr",
                labels={ABUSIVE_KEY: row["sentiment"].strip() != "normal"},
            )
        )
    return _slice(examples, ABUSIVE_KEY, split, 0.30)


def load_ftr(root: Path, split: str = "test") -> list[Example]:
    """FTR, French tweets on racism (``ftr_racism_fr/FTR_new_labels.csv``): ``abusive`` =
    label 1 (racist).

    Fixed-seed stratified 30 % ``test`` slice, the other 70 % is ``train``. Licence: MIT — the
    train slice may be used to train a shipped model; never the test slice.
    """
    _check_split("ftr", split, ("train", "test"))
    path = root / "ftr_racism_fr" / "FTR_new_labels.csv"
    examples = []
    for number, row in enumerate(_rows(path, ","), start=2):
        _require(row, "id", "tweet", "label", where=f"{path}:{number}")
        examples.append(
            Example(
                id=f"ftr-{row['id'].strip()}",
                text=row["tweet"].strip(),
                lang="fr",
                labels={ABUSIVE_KEY: row["label"].strip() == "1"},
            )
        )
    return _slice(examples, ABUSIVE_KEY, split, 0.30)


_CYBER_KINDS = {"threat": "threat", "name_calling": "insult"}


def load_cyberagressionado(root: Path, split: str = "all") -> list[Example]:
    """CyberAgressionAdo-v1 (``cyberagressionado_v1_fr/messages.csv``): French teenagers' chat
    messages from cyber-aggression role plays, each message alone (no context).

    ``abusive`` = ``VERBAL_ABUSE`` is not ``none``; ``abuse_kinds``: ``threat`` for
    VERBAL_ABUSE threat, ``insult`` for name_calling, ``hate`` for HATE_SPEECH yes (proxies).
    Licence: none stated — **evaluation only, internal only** until clarified.
    """
    _check_split("cyberagressionado", split, ("all",))
    path = root / "cyberagressionado_v1_fr" / "messages.csv"
    examples = []
    for number, row in enumerate(_rows(path, ","), start=2):
        _require(row, "scenario", "ID", "TEXT", "VERBAL_ABUSE", where=f"{path}:{number}")
        abuse = row["VERBAL_ABUSE"].strip()
        kinds = [_CYBER_KINDS[abuse]] if abuse in _CYBER_KINDS else []
        if row.get("HATE_SPEECH", "").strip() == "yes":
            kinds.append("hate")
        examples.append(
            Example(
                id=f"cyberado-{row['scenario'].strip()}-{row['ID'].strip()}",
                text=row["TEXT"].strip(),
                lang="fr",
                labels={ABUSIVE_KEY: abuse != "none", ABUSE_KINDS_KEY: tuple(kinds)},
            )
        )
    return examples


def load_umsab(root: Path, split: str = "test") -> list[Example]:
    """UMSAB French tweet sentiment (``umsab_tweet_sentiment_fr/{split}.tsv``, from DEFT
    2017): ``sentiment`` from ``label`` (0 negative, 1 neutral, 2 positive).

    Licence: DEFT 2017 terms — **evaluation only, internal only**. The report measures
    ``test``, which is never used for tuning.
    """
    _check_split("umsab", split, ("train", "val", "test"))
    path = root / "umsab_tweet_sentiment_fr" / f"{split}.tsv"
    examples = []
    for number, row in enumerate(_rows(path, "\t"), start=2):
        _require(row, "text", "label", where=f"{path}:{number}")
        label = row["label"].strip()
        if label not in ("0", "1", "2"):
            raise ValueError(f"{path}:{number}: unknown label {label!r}")
        examples.append(
            Example(
                id=f"umsab-{split}-{number}",
                text=row["text"].strip(),
                lang="fr",
                labels={SENTIMENT_KEY: SENTIMENTS[int(label)]},
            )
        )
    return examples


# -- the project's own set -------------------------------------------------------------------


def _flag(value: Any, field: str) -> bool:
    if isinstance(value, Mapping):  # tolerate {"flag": true, ...}
        value = value.get("flag")
    if not isinstance(value, bool):
        raise ValueError(f"{field} must be true or false, not {value!r}")
    return value


def _names(value: Any, field: str, allowed: Sequence[str] | None = None) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{field} must be a list, not {value!r}")
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, Mapping) else item
        if not isinstance(name, str):
            raise ValueError(f"{field}: {item!r} is not a name")
        if allowed is not None and name not in allowed:
            raise ValueError(f"{field}: unknown value {name!r} (one of {', '.join(allowed)})")
        names.append(name)
    return tuple(names)


def hygie_labels(data: Mapping[str, Any]) -> dict[str, LabelValue]:
    """The labels of one line of ``eval/triage/*.jsonl``; a field left out is not measured."""
    labels: dict[str, LabelValue] = {}
    for key in (AE_KEY, QUALITY_KEY, ABUSIVE_KEY, QUESTION_KEY, SPAM_KEY):
        if data.get(key) is not None:
            labels[key] = _flag(data[key], key)
    if data.get(SPECIAL_KEY) is not None:
        special = _names(data[SPECIAL_KEY], SPECIAL_KEY, SPECIAL_SITUATIONS)
        labels[SPECIAL_KEY] = special
        labels[LACK_OF_EFFICACY_KEY] = "lack_of_efficacy" in special
    if data.get(ABUSE_KINDS_KEY) is not None:
        labels[ABUSE_KINDS_KEY] = _names(data[ABUSE_KINDS_KEY], ABUSE_KINDS_KEY, ABUSE_KINDS)
    if data.get(PRODUCTS_KEY) is not None:
        labels[PRODUCTS_KEY] = _names(data[PRODUCTS_KEY], PRODUCTS_KEY)
    if data.get(SENTIMENT_KEY) is not None:
        if data[SENTIMENT_KEY] not in SENTIMENTS:
            raise ValueError(f"unknown sentiment {data[SENTIMENT_KEY]!r}")
        labels[SENTIMENT_KEY] = str(data[SENTIMENT_KEY])
    criteria = data.get(CRITERIA_KEY)
    if criteria is not None:
        if not isinstance(criteria, Mapping) or set(criteria) - set(CRITERIA):
            raise ValueError(f"minimum_criteria must map {', '.join(CRITERIA)} to booleans")
        labels[CRITERIA_KEY] = {
            name: _flag(criteria[name], f"minimum_criteria.{name}")
            for name in CRITERIA
            if name in criteria
        }
    return labels


def load_hygie(directory: Path, split: str = "dev") -> list[Example]:
    """The project's own labelled inbound messages (``eval/triage/{split}.jsonl``), one JSON
    object a line: ``id``, ``text``, ``lang``, ``channel``, ``audience``, the labels
    (:func:`hygie_labels`) and ``note``.

    ``train`` and ``dev`` may be read and tuned on; ``test`` is held out: report on it, never
    tune on it. Written for the project: may be used for training (train and dev only).
    """
    _check_split("hygie", split, ("train", "dev", "test"))
    path = directory / f"{split}.jsonl"
    if not path.is_file():
        raise DatasetNotFound(str(path))
    examples = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            identifier, text = str(data["id"]), data["text"]
            if not isinstance(text, str):
                raise ValueError("text must be a string")
            if identifier in seen:
                raise ValueError(f"duplicate id {identifier!r}")
            seen.add(identifier)
            channel = data.get("channel")
            examples.append(
                Example(
                    id=identifier,
                    text=text,
                    lang=str(data.get("lang") or ""),
                    labels=hygie_labels(data),
                    channel=str(channel) if channel else None,
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: {error}") from error
    return examples


# -- the registry ----------------------------------------------------------------------------

DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            name="smm4h_fr",
            title="SMM4H 2020 task 2, French tweets (dev)",
            folder="smm4h2020_task2_fr",
            lang="fr",
            licence="SMM4H research data agreement + X terms",
            trainable=False,
            internal_only=True,
            eval_split="dev",
            splits=("dev", "train"),
            tasks=(AE_KEY,),
            load=lambda root, split: load_smm4h(root, "fr", split),
        ),
        Dataset(
            name="smm4h_en",
            title="SMM4H 2020 task 2, English tweets (dev)",
            folder="smm4h2020_task2_en",
            lang="en",
            licence="SMM4H research data agreement + X terms",
            trainable=False,
            internal_only=True,
            eval_split="dev",
            splits=("dev", "train"),
            tasks=(AE_KEY,),
            load=lambda root, split: load_smm4h(root, "en", split),
        ),
        Dataset(
            name="psytar",
            title="PsyTAR patient-review sentences (test)",
            folder="psytar",
            lang="en",
            licence="CC BY 4.0",
            trainable=True,
            internal_only=False,
            eval_split="test",
            splits=("train", "dev", "test"),
            tasks=(AE_KEY, LACK_OF_EFFICACY_KEY),
            load=load_psytar,
        ),
        Dataset(
            name="ade_corpus",
            title="ADE-Corpus-V2 MEDLINE sentences (fixed 15 % test slice)",
            folder="ade_corpus_v2",
            lang="en",
            licence="none stated (research)",
            trainable=False,
            internal_only=False,
            eval_split="test",
            splits=("test",),
            tasks=(AE_KEY,),
            load=load_ade_corpus,
            note="formal text, not social media",
        ),
        Dataset(
            name="mlma",
            title="MLMA hate speech, French (fixed 30 % test slice)",
            folder="mlma_hate_speech_fr",
            lang="fr",
            licence="MIT",
            trainable=True,
            internal_only=False,
            eval_split="test",
            splits=("train", "test"),
            tasks=(ABUSIVE_KEY,),
            load=load_mlma,
            note="collected with hate keywords: 'normal' tweets are topical",
        ),
        Dataset(
            name="ftr",
            title="FTR French racism tweets (fixed 30 % test slice)",
            folder="ftr_racism_fr",
            lang="fr",
            licence="MIT",
            trainable=True,
            internal_only=False,
            eval_split="test",
            splits=("train", "test"),
            tasks=(ABUSIVE_KEY,),
            load=load_ftr,
        ),
        Dataset(
            name="cyberagressionado",
            title="CyberAgressionAdo-v1 French chat messages",
            folder="cyberagressionado_v1_fr",
            lang="fr",
            licence="none stated",
            trainable=False,
            internal_only=True,
            eval_split="all",
            splits=("all",),
            tasks=(ABUSIVE_KEY, ABUSE_KINDS_KEY),
            load=load_cyberagressionado,
            note="role-played teenage chats, each message without its context",
        ),
        Dataset(
            name="umsab",
            title="UMSAB French tweet sentiment (test)",
            folder="umsab_tweet_sentiment_fr",
            lang="fr",
            licence="DEFT 2017 terms (internal only)",
            trainable=False,
            internal_only=True,
            eval_split="test",
            splits=("train", "val", "test"),
            tasks=(SENTIMENT_KEY,),
            load=load_umsab,
            note="political/news tweets, not health",
        ),
        Dataset(
            name="hygie",
            title="Hygie inbound messages (eval/triage)",
            folder="",
            lang="fr",
            licence="the project's own",
            trainable=True,
            internal_only=False,
            eval_split="dev",
            splits=("train", "dev", "test"),
            tasks=(
                AE_KEY,
                SPECIAL_KEY,
                LACK_OF_EFFICACY_KEY,
                QUALITY_KEY,
                ABUSIVE_KEY,
                ABUSE_KINDS_KEY,
                QUESTION_KEY,
                SPAM_KEY,
                SENTIMENT_KEY,
                CRITERIA_KEY,
                PRODUCTS_KEY,
            ),
            load=load_hygie,
        ),
    )
}


def training_examples(name: str, root: Path) -> list[Example]:
    """The training slice of a set whose licence allows training a shipped model; anything
    else raises :class:`LicenceError`. ``root`` is the data root, or ``eval/triage`` for
    ``hygie`` (whose ``train`` file is returned)."""
    dataset = DATASETS[name]
    if not dataset.trainable:
        raise LicenceError(f"{name} ({dataset.licence}) may not be used for training")
    if "train" not in dataset.splits:
        raise LicenceError(f"{name} has no training slice")
    return dataset.load(root, "train")


__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetNotFound",
    "Example",
    "LicenceError",
    "load_ade_corpus",
    "load_cyberagressionado",
    "load_ftr",
    "load_hygie",
    "load_mlma",
    "load_psytar",
    "load_smm4h",
    "load_umsab",
    "stratified_split",
    "training_examples",
]
