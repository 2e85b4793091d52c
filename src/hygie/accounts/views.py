"""Login, two-factor authentication, profile, and organisation settings (members, audit)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hygie.accounts import actions, totp
from hygie.accounts.forms import (
    AddMemberForm,
    CodeForm,
    EmailAuthenticationForm,
    MemberRolesForm,
    OrganizationForm,
    ProfileForm,
    QueuedPasswordResetForm,
)
from hygie.accounts.middleware import SESSION_VERIFIED_KEY
from hygie.accounts.models import Membership, TOTPDevice, User
from hygie.accounts.roles import Perm
from hygie.accounts.throttle import LoginThrottle, client_address
from hygie.accounts.tokens import invitation_token
from hygie.audit.log import record_event
from hygie.audit.models import AuditEvent
from hygie.core.access import OrgRequest, org_view

_RECOVERY_SESSION_KEY = "hygie_new_recovery_codes"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  (behind login_required)
    return request.user


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = LoginThrottle(request.POST.get("username", ""), client_address(request))
        if not throttle.attempt():
            messages.error(
                request, _("Too many failed attempts. Wait a few minutes and try again.")
            )
            return self.get(request, *args, **kwargs)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.succeeded()
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = "/accounts/reset/done/"

    def form_valid(self, form: Any) -> HttpResponse:
        actions.do_set_password(form.user, form.cleaned_data["new_password1"], reason="reset")
        return HttpResponseRedirect(self.get_success_url())


class InvitationView(PasswordResetConfirmView):
    """Like a password reset, with the week-long invitation token."""

    token_generator = invitation_token
    reset_url_token = "set-password"  # noqa: S105  (a URL segment, not a secret)
    template_name = "accounts/invitation.html"

    def form_valid(self, form: Any) -> HttpResponse:
        actions.do_set_password(form.user, form.cleaned_data["new_password1"], reason="invitation")
        messages.success(self.request, _("Your password is saved: log in."))
        return HttpResponseRedirect(reverse("accounts:login"))


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = "/accounts/password-reset/sent/"


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("core:home")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_two_factor:
        return redirect("accounts:2fa_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttle = LoginThrottle(f"2fa:{user.pk}", client_address(request))
        if not throttle.attempt():
            form.add_error("code", _("Too many failed attempts. Wait a few minutes."))
        elif actions.do_verify_second_factor(user, form.cleaned_data["code"]):
            throttle.succeeded()
            record_event("user.second_factor_verified", actor=user, target=user)
            request.session.cycle_key()
            request.session[SESSION_VERIFIED_KEY] = True
            return HttpResponseRedirect(_safe_next(request))
        else:
            form.add_error("code", _("That code is not valid."))
    return render(request, "accounts/2fa_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.has_two_factor:
        return redirect("accounts:profile")
    form = CodeForm(request.POST or None)
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            codes = actions.do_confirm_totp(user, form.cleaned_data["code"])
        except actions.ActionError as exc:
            form.add_error("code", str(exc))
        else:
            request.session[SESSION_VERIFIED_KEY] = True
            request.session[_RECOVERY_SESSION_KEY] = codes
            return redirect("accounts:2fa_recovery")
    if device is None:
        device = actions.do_start_totp_enrollment(user)
    uri = totp.provisioning_uri(device.secret, user.email, settings.HYGIE_TOTP_ISSUER)
    return render(
        request,
        "accounts/2fa_setup.html",
        {
            "form": form,
            "qr_svg": totp.qr_svg(uri),
            "secret": device.secret,
            "required": user.requires_two_factor,
        },
    )


@login_required
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(_RECOVERY_SESSION_KEY, None)
    if not codes:
        return redirect("accounts:profile")
    return render(request, "accounts/2fa_recovery.html", {"codes": codes})


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turning the second factor off needs the password and a current code."""
    user = _user(request)
    if not user.check_password(request.POST.get("password", "")):
        messages.error(request, _("Wrong password: two-factor authentication is still on."))
        return redirect("accounts:profile")
    if not actions.do_verify_second_factor(user, request.POST.get("code", "")):
        messages.error(request, _("Wrong code: two-factor authentication is still on."))
        return redirect("accounts:profile")
    try:
        actions.do_disable_totp(user, acting_user=user)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    else:
        request.session.pop(SESSION_VERIFIED_KEY, None)
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:profile")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProfileForm(
        request.POST or None, initial={"full_name": user.full_name, "language": user.language}
    )
    if request.method == "POST" and form.is_valid():
        actions.do_update_profile(
            user,
            full_name=form.cleaned_data["full_name"],
            language=form.cleaned_data["language"],
            acting_user=user,
        )
        messages.success(request, _("Profile saved."))
        response = redirect("accounts:profile")
        if user.language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
        return response
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "has_two_factor": user.has_two_factor, "required": user.requires_two_factor},
    )


# --- Organisation settings ------------------------------------------------------------------


@org_view(Perm.ORG_VIEW)
@require_http_methods(["GET", "POST"])
def org_settings(request: OrgRequest) -> HttpResponse:
    org = request.org
    can_manage = request.membership.has_perm(Perm.ORG_MANAGE)
    form = OrganizationForm(
        request.POST if request.method == "POST" else None,
        initial={"name": org.name, "timezone": org.timezone},
    )
    if request.method == "POST":
        if not can_manage:
            return HttpResponse(status=403)
        if form.is_valid():
            actions.do_update_organization(
                org,
                name=form.cleaned_data["name"],
                timezone_name=form.cleaned_data["timezone"],
                acting_user=request.user,
            )
            messages.success(request, _("Organisation saved."))
            return redirect("accounts:org_settings", org_slug=org.slug)
    members = (
        Membership.objects.filter(organization=org, is_active=True)
        .select_related("user")
        .prefetch_related("roles")
        .order_by("user__email")
    )
    return render(
        request,
        "accounts/org_settings.html",
        {
            "form": form,
            "can_manage": can_manage,
            "can_manage_members": request.membership.has_perm(Perm.MEMBERS_MANAGE),
            "members": members,
            "add_form": AddMemberForm(),
        },
    )


def _send_invitation(request: OrgRequest, membership: Membership) -> None:
    from hygie.accounts.tasks import send_invitation

    ids = (membership.user_id, request.org.pk, request.user.pk)
    transaction.on_commit(lambda: send_invitation.delay(*ids))


@org_view(Perm.MEMBERS_MANAGE)
@require_POST
def member_add(request: OrgRequest) -> HttpResponse:
    form = AddMemberForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("accounts:org_settings", org_slug=request.org.slug)
    try:
        with transaction.atomic():
            membership = actions.do_add_member(
                request.org,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                roles=form.cleaned_data["roles"],
                acting_user=request.user,
            )
            if not membership.user.has_usable_password():
                _send_invitation(request, membership)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(email)s added.") % {"email": membership.user.email})
    return redirect("accounts:org_settings", org_slug=request.org.slug)


@org_view(Perm.MEMBERS_MANAGE)
@require_http_methods(["GET", "POST"])
def member_edit(request: OrgRequest, member_id: int) -> HttpResponse:
    from hygie.core.access import access_scoped

    membership = access_scoped(
        Membership.objects.select_related("user").filter(is_active=True), request, member_id
    )
    form = MemberRolesForm(request.POST or None, initial={"roles": membership.role_names})
    if request.method == "POST":
        try:
            if request.POST.get("resend_invitation"):
                _send_invitation(request, membership)
                record_event(
                    "membership.invitation_sent",
                    actor=request.user,
                    organization=request.org,
                    target=membership,
                )
                messages.success(request, _("Invitation sent again."))
                return redirect("accounts:org_settings", org_slug=request.org.slug)
            if request.POST.get("deactivate"):
                actions.do_deactivate_member(membership, acting_user=request.user)
                messages.success(request, _("Member removed."))
                return redirect("accounts:org_settings", org_slug=request.org.slug)
            if form.is_valid():
                actions.do_set_member_roles(
                    membership, roles=form.cleaned_data["roles"], acting_user=request.user
                )
                messages.success(request, _("Roles saved."))
                return redirect("accounts:org_settings", org_slug=request.org.slug)
        except actions.ActionError as exc:
            messages.error(request, str(exc))
    return render(request, "accounts/member_edit.html", {"form": form, "member": membership})


@org_view(Perm.AUDIT_VIEW)
@require_safe
def audit_log(request: OrgRequest) -> HttpResponse:
    events = AuditEvent.objects.filter(organization=request.org).order_by("-seq")
    verb = request.GET.get("verb", "").strip()
    if verb:
        events = events.filter(verb__startswith=verb)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_log.html",
        {"page": page, "verb": verb, "query": urlencode({"verb": verb}) if verb else ""},
    )
