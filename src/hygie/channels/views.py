"""The organisation's connected accounts."""

from __future__ import annotations

import json
import secrets

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hygie.accounts.roles import Perm
from hygie.channels import actions
from hygie.channels.connect import clean_api_url, network_choices, oauth_app, pkce_pair
from hygie.channels.forms import (
    BlueskyConnectForm,
    EmailConnectForm,
    MastodonConnectForm,
    MatrixConnectForm,
    WhatsAppConnectForm,
)
from hygie.channels.models import Channel, ChannelStatus
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.lib import crypto
from hygie.providers.base import Account, ConnectableAccount
from hygie.providers.bluesky.provider import BlueskyProvider
from hygie.providers.email.provider import EmailProvider
from hygie.providers.errors import ProviderError
from hygie.providers.mastodon.provider import MastodonProvider
from hygie.providers.matrix.provider import MatrixProvider
from hygie.providers.registry import PROVIDERS, provider_class
from hygie.providers.whatsapp.provider import WhatsAppProvider


@org_view(Perm.CHANNELS_VIEW)
@require_safe
def channel_list(request: OrgRequest) -> HttpResponse:
    channels = Channel.objects.filter(organization=request.org).order_by("network", "name")
    return render(
        request,
        "channels/list.html",
        {"channels": channels, "can_manage": request.membership.has_perm(Perm.CHANNELS_MANAGE)},
    )


@org_view(Perm.CHANNELS_MANAGE)
@require_POST
def channel_status(request: OrgRequest, channel_id: int) -> HttpResponse:
    channel = access_scoped(Channel.objects.all(), request, channel_id)
    status = request.POST.get("status", "")
    if status not in (ChannelStatus.ACTIVE, ChannelStatus.DISABLED):
        messages.error(request, _("Unknown status."))
    else:
        actions.do_set_channel_status(channel, status=status, acting_user=request.user)
        messages.success(request, _("Channel updated."))
    return redirect("channels:list", org_slug=request.org.slug)


# --- Connecting -------------------------------------------------------------------------------

_OAUTH_SESSION_KEY = "hygie_oauth"
_FOUND_SESSION_KEY = "hygie_oauth_found"


@org_view(Perm.CHANNELS_MANAGE)
@require_safe
def connect(request: OrgRequest) -> HttpResponse:
    return render(request, "channels/connect.html", {"choices": network_choices()})


def _store_channel(
    request: OrgRequest, network: str, account: ConnectableAccount, base_url: str = ""
) -> Channel | None:
    if Channel.objects.filter(
        organization=request.org, network=network, handle=account.handle
    ).exists():
        messages.error(request, _("%(handle)s is already connected.") % {"handle": account.handle})
        return None
    channel = actions.do_connect_channel(
        request.org,
        network=network,
        name=account.name,
        handle=account.handle,
        credentials=json.dumps(account.credentials),
        settings=account.settings,
        base_url=base_url,
        acting_user=request.user,
    )
    messages.success(request, _("%(channel)s is connected.") % {"channel": channel})
    return channel


@org_view(Perm.CHANNELS_MANAGE)
@require_http_methods(["GET", "POST"])
def connect_bluesky(request: OrgRequest) -> HttpResponse:
    form = BlueskyConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            server = clean_api_url(data["server"])
            account = BlueskyProvider.connect(
                data["identifier"].strip().lstrip("@"), data["app_password"], base_url=server
            )
        except ValueError as exc:
            form.add_error("server", str(exc))
        except ProviderError as exc:
            form.add_error(None, _("Bluesky refused: %(reason)s") % {"reason": exc.message})
        else:
            base_url = "" if server == BlueskyProvider.default_base_url else server
            found = ConnectableAccount(
                account.handle, f"Bluesky · {account.handle}", account.credentials
            )
            if _store_channel(request, "bluesky", found, base_url):
                return redirect("channels:list", org_slug=request.org.slug)
    return render(request, "channels/connect_form.html", {"form": form, "network": "Bluesky"})


@org_view(Perm.CHANNELS_MANAGE)
@require_http_methods(["GET", "POST"])
def connect_mastodon(request: OrgRequest) -> HttpResponse:
    form = MastodonConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            server = clean_api_url(data["server"])
            provider = MastodonProvider(
                Account("", {"access_token": data["access_token"]}, base_url=server)
            )
            me = provider.call(
                "GET", "/api/v1/accounts/verify_credentials", headers=provider._auth()
            ).data
        except ValueError as exc:
            form.add_error("server", str(exc))
        except ProviderError as exc:
            form.add_error(None, _("The instance refused: %(reason)s") % {"reason": exc.message})
        else:
            host = server.split("://", 1)[1]
            handle = f"@{me.get('acct') or me.get('username')}@{host}"
            found = ConnectableAccount(
                handle, me.get("display_name") or handle, {"access_token": data["access_token"]}
            )
            if _store_channel(request, "mastodon", found, server):
                return redirect("channels:list", org_slug=request.org.slug)
    return render(request, "channels/connect_form.html", {"form": form, "network": "Mastodon"})


@org_view(Perm.CHANNELS_MANAGE)
@require_http_methods(["GET", "POST"])
def connect_matrix(request: OrgRequest) -> HttpResponse:
    form = MatrixConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            server = clean_api_url(data["server"])
            account = MatrixProvider.connect(
                server,
                user_id=data["user_id"].strip(),
                access_token=data["access_token"].strip(),
                password=data["password"],
            )
        except ValueError as exc:
            form.add_error("server", str(exc))
        except ProviderError as exc:
            form.add_error(None, _("The homeserver refused: %(reason)s") % {"reason": exc.message})
        else:
            found = ConnectableAccount(
                account.handle, f"Matrix · {account.handle}", account.credentials
            )
            if _store_channel(request, "matrix", found, server):
                return redirect("channels:list", org_slug=request.org.slug)
    return render(request, "channels/connect_form.html", {"form": form, "network": "Matrix"})


@org_view(Perm.CHANNELS_MANAGE)
@require_http_methods(["GET", "POST"])
def connect_whatsapp(request: OrgRequest) -> HttpResponse:
    """A WhatsApp Cloud API number: its ID and a system-user token, checked by reading the
    number's profile before anything is stored."""
    form = WhatsAppConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        number_id = data["phone_number_id"]
        credentials = {"access_token": data["access_token"].strip()}
        # An operator's override of the Graph address (a test network, a proxy), kept on the
        # channel so that replies go to the same place.
        base_url = django_settings.HYGIE_PROVIDER_BASE_URLS.get("whatsapp") or ""
        provider = WhatsAppProvider(
            Account(
                "", credentials, settings={"phone_number_id": number_id}, base_url=base_url or None
            )
        )
        try:
            number = provider.call(
                "GET",
                provider._path(number_id),
                headers=provider._auth(),
                params={"fields": "display_phone_number,verified_name"},
            ).data
        except ProviderError as exc:
            form.add_error(None, _("WhatsApp refused: %(reason)s") % {"reason": exc.message})
        else:
            handle = str(number.get("display_phone_number") or number_id)
            name = str(number.get("verified_name") or handle)
            found = ConnectableAccount(
                handle, f"WhatsApp · {name}", credentials, {"phone_number_id": number_id}
            )
            if _store_channel(request, "whatsapp", found, base_url):
                return redirect("channels:list", org_slug=request.org.slug)
    return render(request, "channels/connect_form.html", {"form": form, "network": "WhatsApp"})


@org_view(Perm.CHANNELS_MANAGE)
@require_http_methods(["GET", "POST"])
def connect_email(request: OrgRequest) -> HttpResponse:
    form = EmailConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        settings, credentials = form.settings_and_credentials()
        try:
            account = EmailProvider.connect(settings=settings, credentials=credentials)
        except ProviderError as exc:
            form.add_error(None, _("The mail server refused: %(reason)s") % {"reason": exc.message})
        else:
            name = settings["display_name"] or account.handle
            found = ConnectableAccount(account.handle, name, account.credentials, settings)
            if _store_channel(request, "email", found):
                return redirect("channels:list", org_slug=request.org.slug)
    return render(request, "channels/connect_form.html", {"form": form, "network": _("E-mail")})


def _redirect_uri(network: str) -> str:
    return f"{django_settings.HYGIE_BASE_URL}{reverse('oauth_callback', args=[network])}"


@org_view(Perm.CHANNELS_MANAGE)
@require_POST
def oauth_start(request: OrgRequest, network: str) -> HttpResponse:
    app = oauth_app(network) if network in PROVIDERS else None
    if app is None:
        raise Http404
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    request.session[_OAUTH_SESSION_KEY] = {
        "state": state,
        "network": network,
        "org": request.org.slug,
        "verifier": verifier,
    }
    url = provider_class(network).authorization_url(
        app, redirect_uri=_redirect_uri(network), state=state, code_challenge=challenge
    )
    return redirect(url)


@login_required
@require_safe
def oauth_callback(request: HttpRequest, network: str) -> HttpResponse:
    """The network sends the user back here; the state proves it is the flow we started."""
    pending = request.session.pop(_OAUTH_SESSION_KEY, None)
    state = request.GET.get("state", "")
    if (
        not pending
        or not secrets.compare_digest(pending["state"], state)
        or (pending["network"] != network)
    ):
        messages.error(request, _("This authorisation was not started here, or it expired."))
        return redirect("core:home")
    org_slug = pending["org"]
    if request.GET.get("error"):
        messages.error(
            request,
            _("Authorisation refused: %(reason)s")
            % {"reason": request.GET.get("error_description") or request.GET["error"]},
        )
        return redirect("channels:connect", org_slug=org_slug)
    cls = provider_class(network)
    app = oauth_app(network)
    if app is None:
        raise Http404
    try:
        base_url = django_settings.HYGIE_PROVIDER_BASE_URLS.get(network)
        credentials = cls.exchange_code(
            app,
            code=request.GET.get("code", ""),
            redirect_uri=_redirect_uri(network),
            code_verifier=pending["verifier"],
            base_url=base_url,
        )
        accounts = cls.discover_accounts(credentials, app=app, base_url=base_url)
    except ProviderError as exc:
        messages.error(
            request,
            _("%(network)s refused: %(reason)s") % {"network": cls.label, "reason": exc.message},
        )
        return redirect("channels:connect", org_slug=org_slug)
    request.session[_FOUND_SESSION_KEY] = crypto.encrypt(
        json.dumps(
            {
                "network": network,
                "org": org_slug,
                "accounts": [a.__dict__ for a in accounts],
            }
        )
    )
    return redirect("channels:oauth_choose", org_slug=org_slug)


@org_view(Perm.CHANNELS_MANAGE)
@require_http_methods(["GET", "POST"])
def oauth_choose(request: OrgRequest) -> HttpResponse:
    """Pick which of the accounts found (Pages, organisations, locations) to connect."""
    sealed = request.session.get(_FOUND_SESSION_KEY)
    found = json.loads(crypto.decrypt(sealed)) if sealed else None
    if not found or found["org"] != request.org.slug:
        return redirect("channels:connect", org_slug=request.org.slug)
    accounts = [ConnectableAccount(**a) for a in found["accounts"]]
    if request.method == "POST":
        chosen = set(request.POST.getlist("account"))
        for account in accounts:
            if account.handle in chosen:
                _store_channel(request, found["network"], account)
        request.session.pop(_FOUND_SESSION_KEY, None)
        return redirect("channels:list", org_slug=request.org.slug)
    return render(
        request,
        "channels/oauth_choose.html",
        {"accounts": accounts, "network": provider_class(found["network"]).label},
    )
