"""``hygie check`` reads JSON Lines and answers one line per input, in order, with the bundled
lexicon and without a database."""

from __future__ import annotations

import json
from typing import Any

from tests.jsonl_cli import run_jsonl

from hygie.compliance.checker import CheckContext, Checker


def run(stdin: str, *args: str) -> tuple[int, list[dict[str, Any]]]:
    return run_jsonl("check", stdin, *args)


def test_each_text_gets_one_line_in_the_order_given_with_rule_span_and_message() -> None:
    texts = [
        {"id": "promo", "text": "Le Doliprane, le meilleur contre la fièvre ! -20 % ce week-end"},
        {"id": "voeux", "text": "Meilleurs vœux de toute l'équipe de la pharmacie !"},
        {
            "id": "reply",
            "text": "Merci Mme Durand, ravis que votre traitement pour la tension vous convienne !",
            "kind": "review_reply",
            "parent": "★★★★★ Toujours de bon conseil pour mon traitement.",
        },
    ]
    code, out = run("".join(json.dumps(t) + "\n" for t in texts))
    assert code == 0
    assert [line["id"] for line in out] == ["promo", "voeux", "reply"]
    promo = out[0]
    assert promo["max_severity"] == "block"
    findings = promo["findings"]
    assert isinstance(findings, list) and findings
    first = findings[0]
    assert {"rule", "severity", "start", "end", "message"} <= set(first)
    assert texts[0]["text"][first["start"] : first["end"]]
    assert out[1]["max_severity"] == "ok" and out[1]["findings"] == []
    assert out[2]["max_severity"] == "block"


def test_malformed_lines_get_an_error_with_their_number_and_the_run_goes_on() -> None:
    stdin = 'not json\n{"id": 7}\n{"id": "x", "text": "Bonjour", "kind": "poem"}\n'
    stdin += '{"id": "ok", "text": "Bonne journée à tous"}\n'
    code, out = run(stdin)
    assert code == 1
    assert out[0]["line"] == 1 and out[0]["error"]
    assert out[1]["id"] == 7 and out[1]["line"] == 2 and out[1]["error"]
    assert out[2]["id"] == "x" and out[2]["line"] == 3 and out[2]["error"]
    assert out[3]["id"] == "ok" and out[3]["max_severity"] == "ok"


def test_the_output_is_the_checker_s_with_or_without_the_learned_model() -> None:
    texts = [
        "Notre crème Velouna fait des miracles sur les peaux abîmées ✨",
        "Le Colludol vous attend sagement au comptoir 😉 #gorge",
        "Conseil : buvez de l'eau.",
    ]
    stdin = "".join(json.dumps({"id": str(n), "text": t}) + "\n" for n, t in enumerate(texts))
    _code, with_model = run(stdin)
    _code, rules_only = run(stdin, "--rules-only")
    for checker, lines in ((Checker(), with_model), (Checker(learned=False), rules_only)):
        for text, line in zip(texts, lines, strict=True):
            findings = checker.check(text, CheckContext()).findings
            assert [f["rule"] for f in line["findings"]] == [f.rule for f in findings]
            assert [f.get("detected_by") for f in line["findings"]] == [
                "model" if f.source == "model" else None for f in findings
            ]
    assert all("detected_by" not in f for line in rules_only for f in line["findings"])
