"""Resolving the organisation of a request, and the permission gate of every scoped view.

Scoped URLs start with ``/o/<org_slug>/``. ``org_view`` turns the slug into the member's own
membership or a 404 (a non-member cannot even learn that the organisation exists), checks the
permission (403), and hands the view an ``OrgRequest`` whose ``org`` every query filters on.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from hygie.accounts.models import Membership, Organization, User
from hygie.accounts.roles import Perm

P = ParamSpec("P")
M = TypeVar("M", bound=models.Model)

SESSION_ORG_KEY = "hygie_org"


class OrgRequest(HttpRequest):
    """An HttpRequest that went through ``org_view``."""

    user: User
    org: Organization
    membership: Membership


def access_membership(user: User, org_slug: str) -> Membership:
    """The user's active membership of the organisation, or 404."""
    try:
        return (
            Membership.objects.select_related("organization")
            .prefetch_related("roles")
            .get(
                user=user,
                organization__slug=org_slug,
                organization__is_active=True,
                is_active=True,
            )
        )
    except Membership.DoesNotExist:
        raise Http404("No such organisation") from None


def access_scoped(
    queryset: models.QuerySet[M], request: OrgRequest, pk: Any, *, for_update: bool = False
) -> M:
    """One row of the request's organisation, or 404: never a row of another organisation."""
    qs = queryset.filter(organization=request.org)
    if for_update:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValueError):
        raise Http404("Not found") from None


def org_view(
    perm: str = Perm.ORG_VIEW,
) -> Callable[
    [Callable[Concatenate[OrgRequest, P], HttpResponse]],
    Callable[Concatenate[HttpRequest, str, P], HttpResponse],
]:
    """Decorate a view taking ``(request, *args)`` under a ``/o/<org_slug>/`` URL."""

    def decorator(
        view: Callable[Concatenate[OrgRequest, P], HttpResponse],
    ) -> Callable[Concatenate[HttpRequest, str, P], HttpResponse]:
        @functools.wraps(view)
        def wrapper(
            request: HttpRequest, org_slug: str, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponse:
            assert isinstance(request.user, User)  # noqa: S101  (login_required ran first)
            membership = access_membership(request.user, org_slug)
            if not membership.has_perm(perm):
                raise PermissionDenied
            request.org = membership.organization  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            request.session[SESSION_ORG_KEY] = org_slug
            # Dates are shown and typed in the organisation's time zone.
            with timezone.override(zoneinfo.ZoneInfo(membership.organization.timezone)):
                return view(request, *args, **kwargs)  # type: ignore[arg-type]

        wrapper.required_perm = perm  # type: ignore[attr-defined]
        return cast(
            Callable[Concatenate[HttpRequest, str, P], HttpResponse], login_required(wrapper)
        )

    return decorator
