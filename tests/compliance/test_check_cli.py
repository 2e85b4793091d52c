"""``hygie check`` reads JSON Lines and answers one line per input, in order, with the bundled
lexicon and without a database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(stdin: str, *args: str, cwd: Path | None = None) -> tuple[int, list[dict[str, object]]]:
    done = subprocess.run(
        [sys.executable, "-m", "hygie", "check", *args],
        input=stdin.encode(),
        capture_output=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    return done.returncode, lines


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


def test_rules_only_leaves_the_learned_model_out(tmp_path: Path) -> None:
    # A brand named with a wink and no fixed promotional phrase: whether the model or the
    # rules find it, --rules-only never reports a model finding.
    text = {"id": "1", "text": "Le Colludol vous attend sagement au comptoir 😉 #gorge"}
    _code, with_model = run(json.dumps(text) + "\n")
    _code, rules_only = run(json.dumps(text) + "\n", "--rules-only")
    assert all("detected_by" not in f for f in rules_only[0]["findings"])  # type: ignore[union-attr]
    model_findings = [
        f
        for f in with_model[0]["findings"]  # type: ignore[union-attr]
        if f.get("detected_by") == "model"
    ]
    for finding in model_findings:
        assert finding["severity"] == "block" and 0 < finding["model_score"] <= 1
