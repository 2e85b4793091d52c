"""Small filters of the safety pages."""

from __future__ import annotations

from django import template

from hygie.accounts.models import User

register = template.Library()


@register.filter
def who(user: User | None) -> str:
    """A member's name, else their address; "—" for nobody (e.g. a deleted account)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.email
