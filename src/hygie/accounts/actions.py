"""Every change to users, organisations and memberships goes through these functions.

Each runs in one transaction and appends an audit event. They assume the caller checked the
acting user's permission (views do, with ``org_view``); business invariants (an organisation
keeps at least one owner, roles are known) are enforced here and raise ``ActionError``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hygie.accounts import totp
from hygie.accounts.models import (
    MemberRole,
    Membership,
    Organization,
    RecoveryCode,
    TOTPDevice,
    User,
)
from hygie.accounts.roles import TWO_FACTOR_ROLES, Role
from hygie.audit.log import record_event


class ActionError(Exception):
    """A request that would break a rule; the message is shown to the user."""


def _clean_roles(roles: Iterable[str]) -> list[str]:
    cleaned = sorted(set(roles))
    unknown = [r for r in cleaned if r not in Role.values]
    if unknown:
        raise ActionError(_("Unknown role: %(roles)s") % {"roles": ", ".join(unknown)})
    if not cleaned:
        raise ActionError(_("A member needs at least one role."))
    return cleaned


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "organisation"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def do_create_organization(
    *,
    name: str,
    kind: str,
    owner: User,
    acting_user: User | None,
    slug: str = "",
    timezone_name: str = "Europe/Paris",
) -> Organization:
    org = Organization.objects.create(
        name=name, slug=slug or _unique_slug(name), kind=kind, timezone=timezone_name
    )
    membership = Membership.objects.create(user=owner, organization=org)
    MemberRole.objects.create(membership=membership, role=Role.OWNER)
    record_event(
        "organization.created",
        actor=acting_user,
        organization=org,
        target=org,
        after={"name": name, "slug": org.slug, "kind": kind, "owner": owner.email},
    )
    return org


@transaction.atomic
def do_update_organization(
    org: Organization, *, name: str, timezone_name: str, acting_user: User
) -> Organization:
    before = {"name": org.name, "timezone": org.timezone}
    org.name = name
    org.timezone = timezone_name
    org.save(update_fields=["name", "timezone", "updated_at"])
    record_event(
        "organization.updated",
        actor=acting_user,
        organization=org,
        target=org,
        before=before,
        after={"name": name, "timezone": timezone_name},
    )
    return org


@transaction.atomic
def do_add_member(
    org: Organization, *, email: str, full_name: str, roles: Iterable[str], acting_user: User | None
) -> Membership:
    """Add a person (creating their account if needed) with the given roles."""
    role_list = _clean_roles(roles)
    email = email.strip().lower()
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership, _created = Membership.objects.get_or_create(user=user, organization=org)
    if not _created and membership.is_active:
        raise ActionError(_("%(email)s is already a member.") % {"email": email})
    membership.is_active = True
    membership.save(update_fields=["is_active", "updated_at"])
    membership.roles.all().delete()
    MemberRole.objects.bulk_create(MemberRole(membership=membership, role=r) for r in role_list)
    record_event(
        "membership.created",
        actor=acting_user,
        organization=org,
        target=membership,
        after={"email": email, "roles": role_list, "new_account": created},
    )
    return membership


def _owner_count(org: Organization) -> int:
    """Owners left; locks the organisation row so two demotions cannot both see two owners."""
    Organization.objects.select_for_update().filter(pk=org.pk).first()
    return MemberRole.objects.filter(
        membership__organization=org, membership__is_active=True, role=Role.OWNER
    ).count()


@transaction.atomic
def do_set_member_roles(
    membership: Membership, *, roles: Iterable[str], acting_user: User
) -> Membership:
    role_list = _clean_roles(roles)
    before = sorted(membership.roles.values_list("role", flat=True))
    if (
        Role.OWNER in before
        and Role.OWNER not in role_list
        and _owner_count(membership.organization) <= 1
    ):
        raise ActionError(_("The organisation must keep at least one owner."))
    membership.roles.all().delete()
    MemberRole.objects.bulk_create(MemberRole(membership=membership, role=r) for r in role_list)
    membership.__dict__.pop("role_names", None)
    membership.__dict__.pop("permissions", None)
    record_event(
        "membership.roles_changed",
        actor=acting_user,
        organization=membership.organization,
        target=membership,
        before={"roles": before},
        after={"roles": role_list},
    )
    return membership


@transaction.atomic
def do_deactivate_member(membership: Membership, *, acting_user: User) -> Membership:
    is_owner = membership.roles.filter(role=Role.OWNER).exists()
    if is_owner and _owner_count(membership.organization) <= 1:
        raise ActionError(_("The organisation must keep at least one owner."))
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    record_event(
        "membership.deactivated",
        actor=acting_user,
        organization=membership.organization,
        target=membership,
        before={"active": True},
        after={"active": False},
    )
    return membership


@transaction.atomic
def do_set_password(user: User, raw_password: str, *, reason: str) -> User:
    """Set a password chosen through a reset or an invitation link."""
    user.set_password(raw_password)
    user.save(update_fields=["password"])
    record_event("user.password_set", actor=user, target=user, after={"reason": reason})
    return user


@transaction.atomic
def do_renew_feed_token(membership: Membership, *, acting_user: User) -> Membership:
    """A new secret address for the member's calendar feed; the old one stops working."""
    membership.feed_token = secrets.token_urlsafe(32)
    membership.save(update_fields=["feed_token", "updated_at"])
    record_event(
        "membership.feed_renewed",
        actor=acting_user,
        organization=membership.organization,
        target=membership,
    )
    return membership


@transaction.atomic
def do_update_profile(user: User, *, full_name: str, language: str, acting_user: User) -> User:
    before = {"full_name": user.full_name, "language": user.language}
    user.full_name = full_name
    user.language = language
    user.save(update_fields=["full_name", "language"])
    record_event(
        "user.profile_updated",
        actor=acting_user,
        target=user,
        before=before,
        after={"full_name": full_name, "language": language},
    )
    return user


# --- Two-factor authentication ---------------------------------------------------------------


@transaction.atomic
def do_start_totp_enrollment(user: User) -> TOTPDevice:
    """Create (or replace an unconfirmed) authenticator secret for the user to scan."""
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise ActionError(_("Two-factor authentication is already enabled."))
    if device is None:
        device = TOTPDevice(user=user)
    device.secret = totp.new_secret()
    device.save()
    return device


def _hash_recovery_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def _new_recovery_codes(user: User, count: int = 10) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _i in range(count):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_hash_recovery_code(c)) for c in codes
    )
    return codes


@transaction.atomic
def do_confirm_totp(user: User, code: str) -> list[str]:
    """Confirm enrolment with a first valid code; returns the new one-time recovery codes."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise ActionError(_("Start the set-up again: no authenticator is pending."))
    step = totp.verify(device.secret, code, after_step=device.last_used_step)
    if step is None:
        raise ActionError(_("That code is not valid. Check your device's clock and try again."))
    device.confirmed_at = timezone.now()
    device.last_used_step = step
    device.save(update_fields=["confirmed_at", "last_used_step", "updated_at"])
    codes = _new_recovery_codes(user)
    record_event("totp.enabled", actor=user, target=user, after={"recovery_codes": len(codes)})
    return codes


@transaction.atomic
def do_verify_second_factor(user: User, code: str) -> bool:
    """Check a login code (TOTP or recovery code). Records failures and successes."""
    device = (
        TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    )
    if device is None:
        return False
    cleaned = code.strip().replace(" ", "")
    step = totp.verify(device.secret, cleaned, after_step=device.last_used_step)
    if step is not None:
        device.last_used_step = step
        device.save(update_fields=["last_used_step", "updated_at"])
        return True
    recovery = RecoveryCode.objects.filter(
        user=user, used_at__isnull=True, code_hash=_hash_recovery_code(cleaned)
    ).first()
    if recovery is not None:
        recovery.used_at = timezone.now()
        recovery.save(update_fields=["used_at"])
        record_event("totp.recovery_code_used", actor=user, target=user)
        return True
    record_event("totp.failed", actor=user, target=user)
    return False


@transaction.atomic
def do_disable_totp(user: User, *, acting_user: User) -> None:
    if user.requires_two_factor:
        raise ActionError(_("Your role requires two-factor authentication."))
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    record_event("totp.disabled", actor=acting_user, target=user)


def two_factor_roles_of(roles: Iterable[str]) -> set[str]:
    return set(roles) & set(TWO_FACTOR_ROLES)
