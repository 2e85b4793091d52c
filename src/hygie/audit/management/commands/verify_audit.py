from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hygie.audit.log import verify_chain


class Command(BaseCommand):
    help = "Prove the audit trail's hash chain; report the first broken link (exit status 1)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit chain BROKEN at event #{report.broken_seq}"
                + (f" (row id {report.broken_id})" if report.broken_id else "")
                + f": {report.reason}. {report.events} events before it are intact."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain intact: {report.events} events, head {report.head_hash}"
            )
        )
