"""``hygie manage eval_triage``: the triage pipeline measured on the labelled sets."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hygie.nlp.evaluation.datasets import DATASETS
from hygie.nlp.evaluation.metrics import DEFAULT_RESAMPLES, DEFAULT_SEED
from hygie.nlp.evaluation.report import (
    SupportsTriage,
    default_data_root,
    default_eval_dir,
    evaluate,
    format_report,
)

DEFAULT_TRIAGER = "hygie.nlp.pipeline:Triager"


def build_triager(
    spec: str, *, ae_threshold: float | None, abuse_threshold: float | None
) -> SupportsTriage:
    """``module:callable`` called with the thresholds given (the shipped pipeline's process-wide
    triager when none is given)."""
    if spec == DEFAULT_TRIAGER and ae_threshold is None and abuse_threshold is None:
        from hygie.nlp.pipeline import default_triager

        return default_triager()
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise CommandError(f"--triager {spec!r}: expected module:callable")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise CommandError(f"--triager {spec!r}: {error}") from error
    thresholds = {"ae_threshold": ae_threshold, "abuse_threshold": abuse_threshold}
    triager = factory(**{key: value for key, value in thresholds.items() if value is not None})
    if not callable(getattr(triager, "triage", None)):
        raise CommandError(f"--triager {spec!r} built an object without a triage method")
    return cast(SupportsTriage, triager)


def _positive(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Measure the triage pipeline on the labelled sets (shared/data and eval/triage): "
        "precision, recall, F1 (macro-F1 for sentiment) with 95 % bootstrap confidence "
        "intervals, next to the published anchors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data",
            type=Path,
            default=default_data_root(),
            help="folder of the public sets (default: shared/data beside the checkout)",
        )
        parser.add_argument(
            "--eval-dir",
            type=Path,
            default=default_eval_dir(),
            help="folder of the project's own set (default: eval/triage)",
        )
        parser.add_argument(
            "--split",
            choices=["dev", "test"],
            default="dev",
            help="split of the own set: dev (default) or test, held out: never tune on it",
        )
        parser.add_argument(
            "--dataset",
            action="append",
            choices=list(DATASETS),
            help="measure this set only (repeatable; default: every set)",
        )
        parser.add_argument(
            "--limit", type=_positive, help="at most N messages per set (a fixed stratified draw)"
        )
        parser.add_argument(
            "--details",
            action="store_true",
            help="list the misclassified messages (ids; at most 80 characters of internal texts)",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--ae-threshold", type=float, help="adverse-event threshold")
        parser.add_argument("--abuse-threshold", type=float, help="abuse threshold")
        parser.add_argument(
            "--given-lang",
            action="store_true",
            help="pass each set's language to the pipeline instead of letting it detect it",
        )
        parser.add_argument("--resamples", type=_positive, default=DEFAULT_RESAMPLES)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--triager",
            default=DEFAULT_TRIAGER,
            help="module:callable building the object to measure (default: %(default)s)",
        )

    def _progress(self, message: str) -> None:
        self.stderr.write(message, style_func=str)  # stderr, not styled as an error

    def handle(self, *args: Any, **options: Any) -> None:
        triager = build_triager(
            options["triager"],
            ae_threshold=options["ae_threshold"],
            abuse_threshold=options["abuse_threshold"],
        )
        try:
            report = evaluate(
                triager,
                data_root=options["data"],
                eval_dir=options["eval_dir"],
                split=options["split"],
                names=options["dataset"],
                limit=options["limit"],
                resamples=options["resamples"],
                seed=options["seed"],
                given_lang=options["given_lang"],
                progress=self._progress,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(
                json.dumps(report.to_json(details=options["details"]), ensure_ascii=False, indent=2)
            )
            return
        for line in format_report(report, details=options["details"]):
            self.stdout.write(line)
