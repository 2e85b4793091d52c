"""``hygie manage eval_compliance``: the checker measured on the labelled evaluation set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hygie.compliance.checker import Checker
from hygie.compliance.evaluation import Report, format_report, load_sets, run

#: The set lives in the source checkout, beside the package (not shipped in the wheel).
DEFAULT_DIR = Path(__file__).resolve().parents[5] / "eval" / "compliance"


class Command(BaseCommand):
    help = (
        "Measure the compliance checker on the labelled set (eval/compliance): block recall, "
        "false blocks, per-rule precision/recall/F1 with 95 % confidence intervals."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="the set's folder")
        parser.add_argument(
            "--split",
            action="append",
            help="a file of the set without .jsonl: dev, dev2, test… (default: every file, "
            "reported apart and together); tune on the dev files only, never on test",
        )
        parser.add_argument(
            "--details", action="store_true", help="list every text where the checker disagrees"
        )
        parser.add_argument(
            "--rules-only",
            action="store_true",
            help="the catalog's rules alone, without the learned model (it was trained on the "
            "dev files: their figures with the model are optimistic)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["dir"]
        splits = options["split"] or sorted(path.stem for path in directory.glob("*.jsonl"))
        if not splits:
            raise CommandError(f"no .jsonl file in {directory}")
        try:
            sets = load_sets(directory, splits)
        except (FileNotFoundError, ValueError) as error:
            raise CommandError(str(error)) from error
        checker = Checker(learned=not options["rules_only"])
        if checker.model is not None:
            self.stdout.write(
                f"Learned model {checker.model.version} (threshold {checker.model.threshold}), "
                f"trained on {', '.join(sorted(checker.model.trained_on))}: figures on those "
                "files are optimistic (--rules-only for the rules alone)."
            )
        else:
            self.stdout.write("Rules alone (no learned model).")
        everything = Report()
        for split, items in sets.items():
            report = run(items, checker)
            everything.outcomes.extend(report.outcomes)
            for line in format_report(split, report, details=options["details"]):
                self.stdout.write(line)
            self.stdout.write("")
        if len(sets) > 1:
            for line in format_report("all", everything):
                self.stdout.write(line)
