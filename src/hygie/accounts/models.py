"""Users, organisations (tenants), memberships with roles, and TOTP devices."""

from __future__ import annotations

import secrets
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from hygie.accounts.roles import TWO_FACTOR_ROLES, Role, permissions_for
from hygie.core.fields import EncryptedTextField
from hygie.core.models import TimeStampedModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        """E-mail addresses are matched without regard to case."""
        return self.get(email__iexact=(username or "").strip())

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in with an e-mail address. Belongs to organisations via Membership."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, blank=True, help_text=_("Empty: the browser's language.")
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def requires_two_factor(self) -> bool:
        return MemberRole.objects.filter(
            membership__user=self, membership__is_active=True, role__in=TWO_FACTOR_ROLES
        ).exists()

    @property
    def has_two_factor(self) -> bool:
        return TOTPDevice.objects.filter(user=self, confirmed_at__isnull=False).exists()


class OrganizationKind(models.TextChoices):
    PHARMACY = "pharmacy", _("Community pharmacy")
    PHARMA_COMPANY = "pharma_company", _("Pharmaceutical company")
    BIOTECH = "biotech", _("Biotech")
    PATIENT_ASSOCIATION = "patient_association", _("Patient association")


def _timezone_choices() -> list[tuple[str, str]]:
    return [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class Organization(TimeStampedModel):
    """A tenant: a pharmacy, a company or an association. Every scoped row points at one."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", choices=_timezone_choices
    )
    country = models.CharField(_("country"), max_length=2, default="FR")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_pharmacy(self) -> bool:
        return self.kind == OrganizationKind.PHARMACY


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


class Membership(TimeStampedModel):
    """A user's place in an organisation. Roles are MemberRole rows; permissions add up."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Secret of this member's calendar feed (calendar apps cannot log in); renewable.
    feed_token = models.CharField(max_length=48, unique=True, default=_feed_token)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"

    @cached_property
    def role_names(self) -> list[str]:
        return sorted(r.role for r in self.roles.all())

    @cached_property
    def permissions(self) -> frozenset[str]:
        return permissions_for(self.role_names)

    def has_perm(self, perm: str) -> bool:
        return perm in self.permissions

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in self.role_names]


class MemberRole(models.Model):
    """One role held by one membership."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["membership", "role"], name="one_row_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.membership}: {self.role}"


class TOTPDevice(TimeStampedModel):
    """An authenticator app (RFC 6238 TOTP, 30 s, 6 digits). One per user."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last accepted time step: a code is never accepted twice (replay protection).
    last_used_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self) -> str:
        return f"TOTP for {self.user}"


class RecoveryCode(models.Model):
    """A single-use code to sign in when the authenticator is lost. Stored hashed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code for {self.user}"
