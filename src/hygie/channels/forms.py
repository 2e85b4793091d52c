from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class BlueskyConnectForm(forms.Form):
    identifier = forms.CharField(
        label=_("Handle"),
        max_length=253,
        help_text=_("For example pharmacie-du-marche.bsky.social"),
    )
    app_password = forms.CharField(
        label=_("App password"),
        max_length=100,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Create one in Bluesky: Settings → Privacy and security → App passwords. "
            "Never your main password."
        ),
    )
    server = forms.CharField(label=_("Server"), initial="https://bsky.social", max_length=300)


class MastodonConnectForm(forms.Form):
    server = forms.CharField(
        label=_("Instance"), max_length=300, help_text=_("For example https://piaille.fr")
    )
    access_token = forms.CharField(
        label=_("Access token"),
        max_length=300,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "On your instance: Preferences → Development → New application, with the "
            "scopes read, write:statuses and write:media; copy “Your access token”."
        ),
    )
