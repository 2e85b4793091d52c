"""``hygie triage`` reads JSON Lines and answers one line per input, in order."""

from __future__ import annotations

import json
from typing import Any

from tests.jsonl_cli import run_jsonl


def run(stdin: str, *args: str) -> tuple[int, list[dict[str, Any]]]:
    return run_jsonl("triage", stdin, *args)


def test_each_message_gets_one_line_in_the_order_given() -> None:
    messages = [
        {"id": "a", "text": "Depuis que je prends du Levothyrox j'ai des palpitations"},
        {"id": "b", "text": "Vous ouvrez dimanche ?", "lang": "fr", "channel": "google_review"},
        {"id": "c", "text": "Since I started Zoloft I can't sleep at all", "lang": "en"},
    ]
    code, out = run("".join(json.dumps(m) + "\n" for m in messages))
    assert code == 0
    assert [line["id"] for line in out] == ["a", "b", "c"]
    first = out[0]
    assert first["lang"] == "fr" and first["products"] == ["Levothyrox"]
    assert first["adverse_event"] == {"flag": True, "score": first["adverse_event"]["score"]}
    assert set(first) >= {
        "special_situations",
        "quality_complaint",
        "abusive",
        "medical_question",
        "sentiment",
        "minimum_criteria",
        "model_version",
    }
    assert out[1]["adverse_event"]["flag"] is False
    assert out[2]["lang"] == "en"


def test_malformed_lines_get_an_error_and_the_run_goes_on() -> None:
    stdin = (
        'not json\n{"id": 7}\n\n{"id": "x", "text": "hi", "lang": "de"}\n'
        '{"id": "ok", "text": "Merci"}\n'
    )
    code, out = run(stdin)
    assert code == 1
    assert out[0] == {"line": 1, "error": out[0]["error"]} and "not JSON" in str(out[0]["error"])
    assert out[1]["id"] == 7 and out[1]["line"] == 2
    assert out[2]["id"] == "x" and "lang" in str(out[2]["error"])
    assert out[3]["id"] == "ok" and "sentiment" in out[3]


def test_details_give_the_supporting_words_and_thresholds_can_be_set() -> None:
    message = json.dumps({"id": "1", "text": "mon fils a des boutons depuis l'Augmentin"}) + "\n"
    _, low = run(message, "--details", "--ae-threshold", "0.01")
    assert low[0]["adverse_event"]["flag"] is True
    assert any(e["text"] == "Augmentin" for e in low[0]["evidence"]["product"])
    _, high = run(message, "--ae-threshold", "0.9999")
    assert high[0]["adverse_event"]["flag"] is False
