"""The triage evaluation's loaders (``hygie.nlp.evaluation.datasets``), on the tiny synthetic
sets under ``tests/nlp/data`` written in the formats of the real ones (no row comes from them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hygie.nlp.evaluation import datasets as ds

DATA = Path(__file__).parent / "data"
SHARED = DATA / "shared"
OWN = DATA / "triage"


def test_smm4h_reads_quoted_tsv() -> None:
    french = ds.load_smm4h(SHARED, "fr")
    assert [e.id for e in french][:2] == ["smm4h-fr-1001", "smm4h-fr-1002"]
    assert [e.labels[ds.AE_KEY] for e in french] == [False, True, False, True, False, False]
    assert french[2].text == 'il a dit "je prends du Doliprane" et puis rien'
    assert {e.lang for e in french} == {"fr"}
    english = ds.load_smm4h(SHARED, "en")
    assert english[2].text == '"can\'t sleep" again, thanks seroquel'
    assert sum(bool(e.labels[ds.AE_KEY]) for e in english) == 2


def test_psytar_ade_is_adr_or_withdrawal_and_inf_is_lack_of_efficacy() -> None:
    examples = ds.load_psytar(SHARED)
    assert [e.labels[ds.AE_KEY] for e in examples] == [True, True, False, False]
    assert [e.labels[ds.LACK_OF_EFFICACY_KEY] for e in examples] == [False, False, True, False]
    assert examples[0].lang == "en"


def test_ade_corpus_fixed_stratified_test_slice() -> None:
    test = ds.load_ade_corpus(SHARED)
    # 6 positives and 14 negatives: round(0.9) = 1 and round(2.1) = 2.
    assert sum(bool(e.labels[ds.AE_KEY]) for e in test) == 1
    assert len(test) == 3
    assert [e.id for e in ds.load_ade_corpus(SHARED)] == [e.id for e in test]
    with pytest.raises(ValueError, match="unknown split"):
        ds.load_ade_corpus(SHARED, "train")


@pytest.mark.parametrize(
    ("loader", "size", "toxic"),
    [(ds.load_mlma, 20, 14), (ds.load_ftr, 10, 4)],
)
def test_abuse_sets_have_disjoint_train_and_test_slices(loader: Any, size: int, toxic: int) -> None:
    train, test = loader(SHARED, "train"), loader(SHARED, "test")
    assert len(train) + len(test) == size
    assert not {e.id for e in train} & {e.id for e in test}
    assert sum(bool(e.labels[ds.ABUSIVE_KEY]) for e in train + test) == toxic
    assert round(0.3 * size) - 1 <= len(test) <= round(0.3 * size) + 1
    assert [e.id for e in loader(SHARED, "test")] == [e.id for e in test]


def test_mlma_binary_convention_and_crlf() -> None:
    examples = {e.id: e for e in ds.load_mlma(SHARED, "train") + ds.load_mlma(SHARED, "test")}
    assert examples["mlma-1"].labels[ds.ABUSIVE_KEY] is False  # normal
    assert examples["mlma-6"].labels[ds.ABUSIVE_KEY] is True  # abusive_normal is toxic
    assert examples["mlma-3"].text == "@user idiot, vraiment, numéro 3"
    assert not any(e.text.endswith("\r") for e in examples.values())


def test_ftr_multiline_quoted_tweet() -> None:
    examples = {e.id: e for e in ds.load_ftr(SHARED, "train") + ds.load_ftr(SHARED, "test")}
    assert examples["ftr-1"].text == '"Ils ne sont pas d\'ici", toujours la même rengaine.'
    assert examples["ftr-1"].labels[ds.ABUSIVE_KEY] is True


def test_cyberagressionado_abuse_and_kinds() -> None:
    examples = ds.load_cyberagressionado(SHARED)
    assert [e.labels[ds.ABUSIVE_KEY] for e in examples] == [True, False, True, True, False, True]
    assert [e.labels[ds.ABUSE_KINDS_KEY] for e in examples] == [
        ("insult",),
        (),
        ("threat",),
        (),
        (),
        ("hate",),
    ]
    assert examples[0].id == "cyberado-scenario_test_a-0"
    assert examples[0].text == "t'es qu'un idiot"


def test_umsab_sentiment() -> None:
    examples = ds.load_umsab(SHARED)
    assert [e.labels[ds.SENTIMENT_KEY] for e in examples] == [
        "positive",
        "negative",
        "neutral",
        "negative",
        "positive",
        "neutral",
    ]
    assert examples[0].text == 'Le "meilleur" service, merci http'


def test_own_set_labels() -> None:
    examples = {e.id: e for e in ds.load_hygie(OWN, "dev")}
    first = examples["fx-dev-01"]
    assert first.channel == "facebook_comment"
    assert first.labels[ds.AE_KEY] is True
    assert first.labels[ds.PRODUCTS_KEY] == ("Levothyrox",)
    assert first.labels[ds.CRITERIA_KEY] == {
        "reporter": True,
        "patient": True,
        "product": True,
        "event": True,
    }
    assert examples["fx-dev-02"].labels[ds.SPECIAL_KEY] == ("pregnancy",)
    assert examples["fx-dev-07"].lang == "en"
    assert len(ds.load_hygie(OWN, "test")) == 3


def test_own_set_errors_name_the_line(tmp_path: Path) -> None:
    line = {"id": "x", "text": "t", "lang": "fr", "special_situations": ["holiday"]}
    (tmp_path / "dev.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dev.jsonl:1: special_situations: unknown value"):
        ds.load_hygie(tmp_path, "dev")
    with pytest.raises(ds.DatasetNotFound):
        ds.load_hygie(tmp_path, "test")


def test_missing_folder_is_not_found(tmp_path: Path) -> None:
    for dataset in ds.DATASETS.values():
        with pytest.raises(ds.DatasetNotFound):
            dataset.load(tmp_path, dataset.eval_split)


def test_only_permissive_licences_give_training_data() -> None:
    for name in ("smm4h_fr", "smm4h_en", "umsab", "cyberagressionado", "ade_corpus"):
        with pytest.raises(ds.LicenceError):
            ds.training_examples(name, SHARED)
    for dataset in ds.DATASETS.values():
        if dataset.trainable and dataset.name != "hygie":
            assert dataset.licence.startswith(ds.TRAINABLE_LICENCES), dataset.name
    train = ds.training_examples("mlma", SHARED)
    assert {e.id for e in train} == {e.id for e in ds.load_mlma(SHARED, "train")}


# -- the report ------------------------------------------------------------------------------
