from __future__ import annotations

from typing import Any

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


class MatrixConnectForm(forms.Form):
    server = forms.CharField(
        label=_("Homeserver"), max_length=300, help_text=_("For example https://matrix.org")
    )
    user_id = forms.CharField(
        label=_("Matrix ID"),
        max_length=255,
        required=False,
        help_text=_("For example @pharmacie-du-marche:matrix.org (needed with a password)."),
    )
    access_token = forms.CharField(
        label=_("Access token"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "In Element: Settings → Help & About → Access token. Or leave it empty and give "
            "the account's password: Hygie then logs in once as a new session."
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=300,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Only to log in once; Hygie keeps the session's token, not the password."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("access_token") and not (data.get("user_id") and data.get("password")):
            raise forms.ValidationError(
                _("Give an access token, or the Matrix ID and its password.")
            )
        return data


class WhatsAppConnectForm(forms.Form):
    phone_number_id = forms.RegexField(
        label=_("Phone number ID"),
        regex=r"^\d{5,30}$",
        max_length=30,
        help_text=_(
            "In Meta's WhatsApp Manager: the ID of the business phone number (digits), not "
            "the number itself."
        ),
        error_messages={"invalid": _("The phone number ID is made of digits only.")},
    )
    access_token = forms.CharField(
        label=_("Access token"),
        max_length=1000,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "A system-user token of the business with the whatsapp_business_messaging "
            "permission. Webhooks also need the installation's Meta app secret."
        ),
    )


SECURITY_CHOICES = [
    ("tls", _("TLS (IMAPS 993, SMTPS 465)")),
    ("starttls", _("STARTTLS (IMAP 143, submission 587)")),
    ("plain", _("None (only for a server on this machine)")),
]


class EmailConnectForm(forms.Form):
    address = forms.EmailField(
        label=_("Address"), help_text=_("The shared mailbox, for example contact@pharmacie.fr")
    )
    display_name = forms.CharField(
        label=_("Sender name"),
        max_length=100,
        required=False,
        help_text=_("Shown to the people you answer, for example Pharmacie du Marché."),
    )
    imap_host = forms.CharField(label=_("IMAP server"), max_length=255)
    imap_port = forms.IntegerField(
        label=_("IMAP port"), min_value=1, max_value=65535, required=False
    )
    imap_security = forms.ChoiceField(
        label=_("IMAP security"), choices=SECURITY_CHOICES, initial="tls"
    )
    imap_user = forms.CharField(
        label=_("IMAP user"), max_length=255, required=False, help_text=_("Empty: the address.")
    )
    imap_password = forms.CharField(
        label=_("IMAP password"),
        max_length=300,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Prefer an application password if your provider offers one."),
    )
    smtp_host = forms.CharField(label=_("SMTP server"), max_length=255)
    smtp_port = forms.IntegerField(
        label=_("SMTP port"), min_value=1, max_value=65535, required=False
    )
    smtp_security = forms.ChoiceField(
        label=_("SMTP security"), choices=SECURITY_CHOICES, initial="tls"
    )
    smtp_user = forms.CharField(
        label=_("SMTP user"), max_length=255, required=False, help_text=_("Empty: the IMAP user.")
    )
    smtp_password = forms.CharField(
        label=_("SMTP password"),
        max_length=300,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Empty: the IMAP password."),
    )

    def settings_and_credentials(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The channel's settings (not secret) and credentials (encrypted) from the form."""
        data = self.cleaned_data
        address = data["address"].strip().lower()
        imap_user = data["imap_user"].strip() or address
        settings: dict[str, Any] = {
            "address": address,
            "display_name": data["display_name"].strip(),
            "imap_host": data["imap_host"].strip(),
            "imap_security": data["imap_security"],
            "imap_user": imap_user,
            "smtp_host": data["smtp_host"].strip(),
            "smtp_security": data["smtp_security"],
            "smtp_user": data["smtp_user"].strip() or imap_user,
        }
        for protocol in ("imap", "smtp"):
            if data[f"{protocol}_port"]:
                settings[f"{protocol}_port"] = data[f"{protocol}_port"]
        credentials = {
            "imap_password": data["imap_password"],
            "smtp_password": data["smtp_password"] or data["imap_password"],
        }
        return settings, credentials
