from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hygie.accounts.actions import ActionError
from hygie.compliance.lexicon.bdpm import STATUS_ORDER
from hygie.products.actions import do_import_bdpm

STATUS_NAMES = {
    "stupefiant": "stupéfiant",
    "liste_i": "liste I",
    "liste_ii": "liste II",
    "none": "none",
}


class Command(BaseCommand):
    help = (
        "Import the official BDPM files (CIS_bdpm.txt, CIS_CIP_bdpm.txt, CIS_COMPO_bdpm.txt, "
        "CIS_CPD_bdpm.txt from base-donnees-publique.medicaments.gouv.fr) from a folder: "
        "replaces the medicine dictionary and the lexicon the checks use. Exit status 1 if the "
        "folder or a file cannot be imported (then nothing changes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="folder holding the four BDPM files")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = do_import_bdpm(options["directory"])
        except ActionError as exc:
            raise CommandError(f"BDPM import refused, nothing changed: {exc}") from exc
        counts = run.counts
        write = self.stdout.write
        for name, info in sorted(run.files.items()):
            write(f"  {name}: {info['lines']} lines, {info['encoding']}, sha256 {info['sha256']}")
        write(
            f"products: {counts['products']} ({counts['commercialised']} marketed, "
            f"{counts['otc']} without prescription, {counts['reimbursed']} reimbursed, "
            f"{counts['homeopathic']} homeopathic left out of the lexicon)"
        )
        write(f"brands: {counts['brands']}")
        write(f"INNs: {counts['inns']}")
        write(
            "statuses: "
            + ", ".join(f"{STATUS_NAMES[s]} {counts['statuses'][s]}" for s in STATUS_ORDER)
        )
        self.stdout.write(
            self.style.SUCCESS(f"BDPM imported: lexicon {run.lexicon_version} (import #{run.pk})")
        )
