"""Two-factor gate.

After the password, a user with an authenticator reaches nothing but the code page (and log
out) until the code is entered. A user whose role requires two-factor authentication and who
has none reaches nothing but the set-up pages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_VERIFIED_KEY = "hygie_2fa_verified"

# Reachable by anyone: logging out, languages, static files and the health check.
_ALWAYS_OPEN = ("/accounts/logout/", "/i18n/", "/static/", "/healthz")
_VERIFY = "/accounts/2fa/verify/"
_SETUP = ("/accounts/2fa/setup/", "/accounts/2fa/recovery-codes/")


def second_factor_pending(request: HttpRequest) -> bool:
    """True while a logged-in user still owes a code (or an authenticator) to this session."""
    user = request.user
    if not user.is_authenticated:
        return False
    if user.has_two_factor:
        return not request.session.get(SESSION_VERIFIED_KEY)
    return bool(user.requires_two_factor)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(_ALWAYS_OPEN):
            if user.has_two_factor:
                if not request.session.get(SESSION_VERIFIED_KEY) and request.path != _VERIFY:
                    return redirect(f"{reverse('accounts:2fa_verify')}?next={request.path}")
            elif user.requires_two_factor and not request.path.startswith(_SETUP):
                return redirect("accounts:2fa_setup")
        return self.get_response(request)
