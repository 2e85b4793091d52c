"""Load the demo: a pharmacy and a lab, a user for every role, channels, posts, inbox items.

Idempotent: an organisation that already exists is left alone, and users keep their password.
The first run prints the logins (also kept in var/demo-logins.txt, readable by you only).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from hygie.accounts.actions import do_add_member, do_create_organization
from hygie.accounts.models import Organization, OrganizationKind, User
from hygie.accounts.roles import Role
from hygie.audit.log import record_event
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Network
from hygie.contacts.actions import do_create_contact
from hygie.inbox.actions import do_ingest_item
from hygie.inbox.models import ItemKind
from hygie.publishing.actions import do_create_post, do_record_published, do_schedule_post

DOMAIN = "demo.hygie.test"
ADMIN_EMAIL = f"admin@{DOMAIN}"

PHARMACY: dict[str, Any] = {
    "name": "Pharmacie du Marché",
    "slug": "pharmacie-du-marche",
    "kind": OrganizationKind.PHARMACY,
    "members": [
        ("titulaire", "Claire Martin", [Role.OWNER, Role.RESPONSIBLE_PHARMACIST]),
        ("adjoint", "Karim Benali", [Role.COMMUNITY_MANAGER]),
        ("preparatrice", "Julie Petit", [Role.CONTRIBUTOR]),
    ],
    "channels": [
        (Network.FACEBOOK_PAGE, "Pharmacie du Marché", "pharmaciedumarche"),
        (Network.INSTAGRAM, "Pharmacie du Marché", "@pharmaciedumarche"),
        (Network.GOOGLE_BUSINESS, "Pharmacie du Marché – Lyon 2e", "locations/1234567890"),
    ],
    "posts": [
        (
            -6,
            "published",
            "☀️ Forte chaleur cette semaine : buvez régulièrement, même sans soif, "
            "et prenez des nouvelles de vos voisins âgés. Des questions ? Passez nous voir.",
        ),
        (
            -2,
            "published",
            "La campagne de vaccination contre la grippe est ouverte. Vous pouvez "
            "vous faire vacciner à la pharmacie, sans rendez-vous le matin.",
        ),
        (
            2,
            "scheduled",
            "Mois sans tabac : envie d'arrêter ? Nos pharmaciens vous accompagnent "
            "et vous orientent. Parlons-en au comptoir, en toute confidentialité.",
        ),
        (
            5,
            "scheduled",
            "Pharmacie de garde ce dimanche : retrouvez la pharmacie ouverte la plus "
            "proche sur le 3237 ou sur monpharmacien-idf.fr.",
        ),
        (None, "draft", "Pollens : les bons réflexes pour la saison (brouillon à relire)."),
    ],
    # (network of the channel, kind, author, handle, text, rating)
    "inbox": [
        (
            Network.GOOGLE_BUSINESS,
            ItemKind.REVIEW,
            "Marc D.",
            "",
            "Équipe très accueillante et de bon conseil, merci !",
            5,
        ),
        (
            Network.GOOGLE_BUSINESS,
            ItemKind.REVIEW,
            "Sophie L.",
            "",
            "Attente un peu longue samedi matin.",
            3,
        ),
        (
            Network.INSTAGRAM,
            ItemKind.COMMENT,
            "Nadia R.",
            "nadia.r",
            "Vous faites aussi les tests angine ?",
            None,
        ),
        (
            Network.FACEBOOK_PAGE,
            ItemKind.DIRECT_MESSAGE,
            "Paul G.",
            "paul.g",
            "Bonjour, êtes-vous ouverts le 11 novembre ?",
            None,
        ),
        (
            Network.FACEBOOK_PAGE,
            ItemKind.COMMENT,
            "Émilie T.",
            "emilie.t",
            "Ma fille de 6 ans a des plaques rouges partout depuis qu'elle prend l'Augmentin "
            "que vous nous avez donné mardi, c'est normal ?",
            None,
        ),
        (
            Network.FACEBOOK_PAGE,
            ItemKind.COMMENT,
            "Troll 75",
            "troll75",
            "Bande d'escrocs, je sais où vous habitez, vous allez le payer",
            None,
        ),
    ],
}

LAB: dict[str, Any] = {
    "name": "Laboratoire Aurore",
    "slug": "laboratoire-aurore",
    "kind": OrganizationKind.PHARMA_COMPANY,
    "members": [
        ("cm", "Léa Moreau", [Role.COMMUNITY_MANAGER]),
        ("contributeur", "Thomas Roux", [Role.CONTRIBUTOR]),
        ("medical", "Dr Anne Lefèvre", [Role.REVIEWER_MEDICAL]),
        ("juridique", "Hugo Blanc", [Role.REVIEWER_LEGAL]),
        ("reglementaire", "Inès Garnier", [Role.REVIEWER_REGULATORY]),
        ("pharmacien-responsable", "Dr Paul Mercier", [Role.RESPONSIBLE_PHARMACIST]),
        ("pv", "Sarah Dubois", [Role.PV_OFFICER]),
        ("analyste", "Yann Colin", [Role.ANALYST]),
    ],
    "channels": [
        (Network.LINKEDIN_ORG, "Laboratoire Aurore", "urn:li:organization:424242"),
        (Network.BLUESKY, "Laboratoire Aurore", "aurore-labo.bsky.social"),
        (Network.MASTODON, "Laboratoire Aurore", "@aurore@piaille.fr"),
        (Network.X, "Laboratoire Aurore", "@AuroreLabo"),
    ],
    "posts": [
        (
            -10,
            "published",
            "Nos équipes de recherche publient aujourd'hui leurs travaux sur le "
            "microbiote intestinal dans une revue à comité de lecture. Lien vers l'article en "
            "commentaire.",
        ),
        (
            3,
            "scheduled",
            "Journée mondiale du diabète : rencontre avec l'association de patients "
            "partenaire pour parler prévention et dépistage.",
        ),
        (None, "draft", "Retour sur le congrès européen de rhumatologie (à valider)."),
    ],
    "inbox": [
        (
            Network.LINKEDIN_ORG,
            ItemKind.COMMENT,
            "Jean P.",
            "jeanp",
            "Bravo pour la publication, c'est prometteur !",
            None,
        ),
        (
            Network.X,
            ItemKind.DIRECT_MESSAGE,
            "Martine B.",
            "martineb",
            "Depuis que je prends votre traitement j'ai des vertiges le matin, est-ce normal ?",
            None,
        ),
        (
            Network.BLUESKY,
            ItemKind.MENTION,
            "Asso Diabète 69",
            "assodiabete69.bsky.social",
            "Merci au Laboratoire Aurore pour la rencontre de jeudi !",
            None,
        ),
    ],
    "contacts": [
        {
            "name": "Pr Hélène Vidal",
            "kind": "kol",
            "affiliation": "CHU de Lyon, endocrinologie",
            "handles": "@hvidal.bsky.social",
        },
        {
            "name": "Association Diabète 69",
            "kind": "patient_association",
            "affiliation": "Association loi 1901",
            "handles": "@assodiabete69",
        },
    ],
}


class Command(BaseCommand):
    help = "Load the demo organisations, users, channels, posts and inbox (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--password", default="", help="password of every demo user (default: generated)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logins_file = settings.VAR_DIR / "demo-logins.txt"
        if Organization.objects.filter(slug=PHARMACY["slug"]).exists():
            self.stdout.write("Demo data already loaded: nothing changed.")
            if logins_file.exists():
                self.stdout.write(logins_file.read_text(encoding="utf-8"))
            return
        password = options["password"] or secrets.token_urlsafe(9)
        with transaction.atomic():
            admin = self._user(ADMIN_EMAIL, "Admin Hygie", password, superuser=True)
            for spec in (PHARMACY, LAB):
                self._load_org(spec, admin, password)
        lines = [
            "Hygie demo logins (every user has the same password)",
            f"  password: {password}",
            f"  admin (owner of both organisations): {ADMIN_EMAIL}",
        ]
        for spec in (PHARMACY, LAB):
            for local, _name, roles in spec["members"]:
                lines.append(f"  {spec['name']}: {local}@{DOMAIN} ({', '.join(roles)})")
        lines.append(
            "Reviewers and the pharmacovigilance officer set up an authenticator app "
            "at their first log-in."
        )
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        logins_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        logins_file.chmod(0o600)
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))

    def _user(self, email: str, name: str, password: str, *, superuser: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, password, full_name=name, is_staff=superuser, is_superuser=superuser
            )
            record_event("user.created", actor=None, target=user, after={"email": email})
        return user

    def _load_org(self, spec: dict[str, Any], admin: User, password: str) -> None:
        org = do_create_organization(
            name=spec["name"], slug=spec["slug"], kind=spec["kind"], owner=admin, acting_user=None
        )
        author = admin
        for local, name, roles in spec["members"]:
            user = self._user(f"{local}@{DOMAIN}", name, password)
            do_add_member(org, email=user.email, full_name=name, roles=roles, acting_user=None)
            if Role.OWNER in roles or Role.COMMUNITY_MANAGER in roles:
                author = user
        channels = [
            do_connect_channel(org, network=net, name=name, handle=handle, acting_user=admin)
            for net, name, handle in spec["channels"]
        ]
        now = timezone.now().replace(second=0, microsecond=0)
        for days, status, text in spec["posts"]:
            post = do_create_post(org, text=text, channels=channels[:2], acting_user=author)
            if days is None:
                continue
            when = now + timedelta(days=days, hours=2)
            if status == "scheduled":
                do_schedule_post(post, when=when, acting_user=author)
            else:
                # Published in the past: what the publishing worker records for real.
                do_record_published(post, when=when, acting_user=None)
        by_network = {c.network: c for c in channels}
        for n, (network, kind, author_name, handle, text, rating) in enumerate(spec["inbox"]):
            do_ingest_item(
                by_network[network],
                kind=kind,
                external_id=f"demo-{n}",
                author_name=author_name,
                author_handle=handle,
                text=text,
                rating=rating,
                received_at=now - timedelta(hours=3 * n + 1),
            )
        for contact in spec.get("contacts", []):
            do_create_contact(org, data=contact, acting_user=admin)
