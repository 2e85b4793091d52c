"""Two-factor gate: after the password, a user with an authenticator must enter a code, and a
user whose role requires two-factor authentication must set it up before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_VERIFIED_KEY = "hygie_2fa_verified"

# Pages reachable before the second factor: the 2FA pages themselves, logging out, languages,
# static files and the health check.
_OPEN_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/i18n/", "/static/", "/healthz")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES):
            if user.has_two_factor:
                if not request.session.get(SESSION_VERIFIED_KEY):
                    return redirect(f"{reverse('accounts:2fa_verify')}?next={request.path}")
            elif user.requires_two_factor:
                return redirect("accounts:2fa_setup")
        return self.get_response(request)
