"""Speed of the compliance checker: posts per second per core, against a naive baseline, and
the live check's HTTP latency.

One command (from the repository root)::

    .venv/bin/python bench/compliance_bench.py              # 2,000 posts of ~1,000 characters
    .venv/bin/python bench/compliance_bench.py --posts 5000 --requests 500
    .venv/bin/python bench/compliance_bench.py --no-http    # throughput only

1. **Inputs.** ``--posts`` French and English posts of about 1,000 characters, built from a
   seed: ordinary pharmacy sentences mixed with the rules catalog's examples, the evaluation
   set's texts when ``eval/compliance`` is there, medicine names and emojis (about a third of
   the posts break some rule). The same inputs go to both checkers.
2. **Hygie's checker** (``Checker().check``) on one core: every rule for a pharmacy post, the
   BDPM medicine lexicon included. Throughput is posts per CPU second of this process: the
   best of ``--rounds`` over posts checked once before (warm caches), and the best of as many
   batches of posts from other seeds, each checked once (``checker_first_sight_per_cpu_s``:
   made of the same sentences, so most of their words were met before).
3. **The naive baseline**, same process, same inputs: one regular expression per rule (the
   alternation of every lexicon entry and pattern the rule's triggers use), searched over the
   folded text. It is *less* work than the checker (no medicine lexicon, no trigger logic, no
   spans mapped back), so the ratio understates the difference.
4. **Live check over HTTP**: a fresh SQLite database with the demo data, ``gunicorn`` on
   127.0.0.1 (2 workers), a logged-in community manager posting ``--requests`` texts to the
   composer's live-check endpoint one after the other (what the debounced typing does);
   p50/p95/p99 of the round trip, as the browser sees it.

Prints the figures and the ratio against ``bench/results/baseline-compliance.json`` (written by
the first run; delete it to start a new baseline), and saves the run in ``bench/results/``.
Goals (issue #4): ≥ 2,000 posts/s/core (printed for the posts seen before and at first
sight), ≥ 10× the baseline, live check p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import free_port  # noqa: E402

from hygie.compliance.checker import CheckContext, Checker  # noqa: E402
from hygie.compliance.checker.folding import Folded  # noqa: E402
from hygie.compliance.rules import default_catalog  # noqa: E402
from hygie.compliance.rules.catalog import Catalog, Trigger  # noqa: E402

RESULTS = ROOT / "bench" / "results"
BASELINE = RESULTS / "baseline-compliance.json"

SENTENCES = [
    "Bonjour à tous, la pharmacie sera fermée lundi de Pâques, pensez à anticiper.",
    "Merci à toute l'équipe pour ce beau moment de partage avec nos patients ce samedi !",
    "Aujourd'hui c'est la journée mondiale du sommeil : dormez-vous assez ? 😴",
    "Les horaires d'été commencent la semaine prochaine, nous ouvrons à 8 h 30.",
    "Pensez à bien vous hydrater pendant la canicule, surtout les personnes âgées.",
    "Un grand bravo à Julie qui rejoint l'équipe comme préparatrice en pharmacie !",
    "La campagne de vaccination contre la grippe commence le 15 octobre en officine.",
    "Retrouvez nos conseils pour protéger la peau des enfants au soleil.",
    "Le dépistage gratuit du diabète aura lieu en partenariat avec la mairie.",
    "Attention aux arnaques par SMS qui se font passer pour l'Assurance maladie.",
    "Nous recrutons un pharmacien adjoint en CDI, envoyez vos candidatures.",
    "Les allergies au pollen arrivent, parlez-en à votre médecin si besoin.",
    "Our team will be at the conference on rare diseases in Lyon next week.",
    "Thank you for your kind words, we look forward to seeing you again soon.",
    "Le Doliprane reste disponible malgré les tensions d'approvisionnement.",
    "Tiques : après une balade en forêt, inspectez la peau de toute la famille.",
    "Mois sans tabac : venez en parler au comptoir, nous vous accompagnons 💪",
    "Pharmacie de garde ce dimanche : composez le 3237 pour la connaître.",
]


def build_posts(count: int, seed: int, catalog: Catalog) -> list[str]:
    rng = random.Random(seed)
    pool = list(SENTENCES)
    risky = [example.text for rule in catalog.rules for example in rule.examples]
    eval_dir = ROOT / "eval" / "compliance"
    for split in ("dev", "test"):
        path = eval_dir / f"{split}.jsonl"
        if path.exists():
            risky += [json.loads(line)["text"] for line in path.read_text().splitlines() if line]
    posts = []
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < 1000:
            parts.append(rng.choice(risky) if rng.random() < 0.12 else rng.choice(pool))
        posts.append(" ".join(parts)[:1000])
    return posts


_GLOBAL_FLAGS = re.compile(r"^\(\?([imsx]+)\)")


def _scoped(pattern: str) -> str:
    """``(?s)x`` → ``(?s:x)``: global flags are not allowed inside an alternation."""
    flags = _GLOBAL_FLAGS.match(pattern)
    return f"(?{flags.group(1)}:{pattern[flags.end() :]})" if flags else f"(?:{pattern})"


def _trigger_patterns(trigger: Trigger, catalog: Catalog) -> list[str]:
    patterns = []
    for name in trigger.lexicon_names():
        patterns += [entry.pattern.pattern for entry in catalog.lexicons[name].entries]
    if trigger.pattern is not None:
        patterns.append(trigger.pattern.pattern)
    return patterns


def naive_rules(catalog: Catalog) -> list[re.Pattern[str]]:
    """One regex per rule: every lexicon entry and pattern its triggers and exceptions use."""
    compiled = []
    for rule in catalog.rules_for("pharmacy", "post"):
        patterns: list[str] = []
        for trigger in rule.triggers:
            patterns += _trigger_patterns(trigger, catalog)
        for exemption in rule.exceptions:
            if exemption.mask_lexicon:
                patterns += [
                    e.pattern.pattern for e in catalog.lexicons[exemption.mask_lexicon].entries
                ]
        if patterns:
            compiled.append(re.compile("|".join(_scoped(p) for p in dict.fromkeys(patterns)), re.I))
    return compiled


def naive_check(rules: list[re.Pattern[str]], text: str) -> int:
    folded = Folded.of(text).folded
    return sum(1 for rule in rules if any(True for _ in rule.finditer(folded)))


def throughput(function: Any, posts: list[str]) -> tuple[float, float]:
    started_cpu, started = time.process_time(), time.perf_counter()
    for post in posts:
        function(post)
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    return len(posts) / cpu, len(posts) / wall


def http_latencies(posts: list[str], requests: int) -> dict[str, float]:
    import httpx

    var = Path(tempfile.mkdtemp(prefix="hygie-bench-compliance-"))
    env = {**os.environ, "HYGIE_VAR_DIR": str(var), "HYGIE_DEBUG": "false"}
    env.pop("DATABASE_URL", None)
    hygie = [sys.executable, "-m", "hygie"]
    run = {"env": env, "check": True, "capture_output": True, "cwd": ROOT}
    subprocess.run([*hygie, "manage", "migrate", "--noinput"], **run)  # type: ignore[call-overload]
    subprocess.run([*hygie, "manage", "load_demo", "--password", "bench-password-1"], **run)  # type: ignore[call-overload]
    subprocess.run([*hygie, "manage", "collectstatic", "--noinput"], **run)  # type: ignore[call-overload]
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "hygie.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "1",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(100):
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            client.get("/accounts/login/")
            token = client.cookies["csrftoken"]
            login = client.post(
                "/accounts/login/",
                data={
                    "username": "adjoint@demo.hygie.test",
                    "password": "bench-password-1",
                    "csrfmiddlewaretoken": token,
                },
                headers={"Referer": f"{base}/accounts/login/"},
            )
            if login.status_code not in (200, 302) or "sessionid" not in client.cookies:
                raise RuntimeError(f"could not log in ({login.status_code})")
            url = "/o/pharmacie-du-marche/compliance/check/post/"
            headers = {
                "X-CSRFToken": client.cookies["csrftoken"],
                "HX-Request": "true",
                "Referer": base + "/",
            }
            for post in posts[:20]:  # warm both workers
                client.post(url, data={"text": post}, headers=headers)
            timings = []
            for index in range(requests):
                started = time.perf_counter()
                response = client.post(
                    url, data={"text": posts[index % len(posts)]}, headers=headers
                )
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"live check answered {response.status_code}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        shutil.rmtree(var, ignore_errors=True)
    timings.sort()
    return {
        "http_p50_ms": round(statistics.median(timings), 1),
        "http_p95_ms": round(timings[int(0.95 * len(timings)) - 1], 1),
        "http_p99_ms": round(timings[int(0.99 * len(timings)) - 1], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="alternated timing rounds")
    ns = parser.parse_args()

    catalog = default_catalog()
    posts = build_posts(ns.posts, ns.seed, catalog)
    started = time.perf_counter()
    checker = Checker(catalog)
    build_s = time.perf_counter() - started
    context = CheckContext(audience="pharmacy", kind="post")
    findings = sum(len(checker.check(post, context).findings) for post in posts[:200])  # warm up
    # The catalog's rules alone (no learned model), same posts: what the model costs. Both
    # warmed up on every post, then measured ``--rounds`` times each, alternately; the best
    # round of each is kept (a shared machine only ever slows a round down).
    rules_only = Checker(catalog, checker.lexicon, learned=False)
    for post in posts:
        checker.check(post, context)
        rules_only.check(post, context)
    ours_cpu = ours_wall = rules_cpu = 0.0
    for _round in range(ns.rounds):
        cpu, wall = throughput(lambda post: checker.check(post, context), posts)
        ours_cpu, ours_wall = max(ours_cpu, cpu), max(ours_wall, wall)
        cpu, _wall = throughput(lambda post: rules_only.check(post, context), posts)
        rules_cpu = max(rules_cpu, cpu)
    # The rounds above time posts the checker has already seen once (its caches of words and
    # word pairs are warm for them). Posts it has never checked, built from other seeds, each
    # batch timed once (the best of as many rounds): closer to a stream of new drafts, though
    # they are made of the same sentences, so most of their words were met before (an upper
    # bound for text of new content).
    fresh_cpu = 0.0
    for round_ in range(ns.rounds):
        fresh = build_posts(ns.posts, ns.seed + 1 + round_, catalog)
        cpu, _wall = throughput(lambda post: checker.check(post, context), fresh)
        fresh_cpu = max(fresh_cpu, cpu)
    # The model is consulted when the rules neither block nor send to review.
    consulted = sum(
        1 for post in posts[:500] if rules_only.check(post, context).max_severity in ("warn", "ok")
    )
    rules = naive_rules(catalog)
    naive_cpu, _naive_wall = throughput(lambda post: naive_check(rules, post), posts)
    figures: dict[str, Any] = {
        "posts": len(posts),
        "mean_chars": round(statistics.mean(len(p) for p in posts)),
        "checker_build_s": round(build_s, 3),
        "findings_per_post": round(findings / 200, 2),
        "checker_posts_per_cpu_s": round(ours_cpu),
        "checker_posts_per_wall_s": round(ours_wall),
        "checker_first_sight_per_cpu_s": round(fresh_cpu),
        "model": checker.model.version if checker.model else "none",
        "rules_only_posts_per_cpu_s": round(rules_cpu),
        "model_consulted_pct": round(100 * consulted / min(500, len(posts)), 1),
        "naive_posts_per_cpu_s": round(naive_cpu),
        "speedup_vs_naive": round(ours_cpu / naive_cpu, 1),
    }
    if not ns.no_http:
        figures.update(http_latencies(posts, ns.requests))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"compliance-{stamp}.json").write_text(json.dumps(figures, indent=2))
    if not BASELINE.exists():
        BASELINE.write_text(json.dumps(figures, indent=2))
    baseline = json.loads(BASELINE.read_text())
    print(f"{'figure':<30} {'this run':>12} {'baseline':>12} {'ratio':>8}")
    for key, value in figures.items():
        before = baseline.get(key)
        numbers = isinstance(value, (int, float)) and isinstance(before, (int, float))
        ratio = f"{value / before:8.2f}" if numbers and before else ""
        print(f"{key:<30} {value:>12} {before if before is not None else '':>12} {ratio}")
    goals = [
        ("≥ 2,000 posts/s/core", figures["checker_posts_per_cpu_s"] >= 2000),
        ("≥ 2,000 posts/s/core on posts never seen", fresh_cpu >= 2000),
        ("≥ 10× the naive baseline", figures["speedup_vs_naive"] >= 10),
    ]
    if "http_p95_ms" in figures:
        goals.append(("live check p95 ≤ 50 ms", figures["http_p95_ms"] <= 50))
    for goal, met in goals:
        print(f"goal {goal}: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
