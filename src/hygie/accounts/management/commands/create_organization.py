"""Create an organisation and its first owner (the first step of a real install)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hygie.accounts.actions import ActionError, do_create_organization
from hygie.accounts.models import OrganizationKind, User
from hygie.accounts.tasks import send_invitation
from hygie.audit.log import record_event


class Command(BaseCommand):
    help = (
        "Create an organisation with its owner. A new owner receives an e-mail to choose a "
        "password (or use --password)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=OrganizationKind.values)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-name", default="")
        parser.add_argument("--slug", default="")
        parser.add_argument("--timezone", default="Europe/Paris")
        parser.add_argument("--password", default="", help="set the owner's password directly")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["owner_email"].strip().lower()
        try:
            with transaction.atomic():
                owner = User.objects.filter(email=email).first()
                new_owner = owner is None
                if owner is None:
                    owner = User.objects.create_user(
                        email, options["password"] or None, full_name=options["owner_name"]
                    )
                    record_event(
                        "user.created",
                        actor=None,
                        actor_repr="command line",
                        target=owner,
                        after={"email": email},
                    )
                org = do_create_organization(
                    name=options["name"],
                    kind=options["kind"],
                    owner=owner,
                    acting_user=None,
                    slug=options["slug"],
                    timezone_name=options["timezone"],
                )
                if new_owner and not options["password"]:
                    user_id = owner.pk
                    transaction.on_commit(lambda: send_invitation.delay(user_id, org.pk, None))
        except (ActionError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {org.name} ({org.get_kind_display()}) at /o/{org.slug}/, owner {email}"
                + (
                    " — an invitation e-mail is on its way"
                    if new_owner and not options["password"]
                    else ""
                )
            )
        )
