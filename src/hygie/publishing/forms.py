from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hygie.accounts.models import Organization
from hygie.channels.models import Channel, ChannelStatus, Network
from hygie.providers.registry import publishing_kinds
from hygie.publishing.models import Campaign


class PostForm(forms.Form):
    text = forms.CharField(
        label=_("Text"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8, "data-counter": "true"}),
    )
    channels = forms.ModelMultipleChoiceField(
        label=_("Channels"),
        queryset=Channel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    scheduled_at = forms.DateTimeField(
        label=_("Publish on"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text=_("In the organisation's time zone. Empty: keep as a draft."),
    )

    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
    )
    image = forms.FileField(
        label=_("Add an image"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
        help_text=_("PNG, JPEG, GIF or WebP, 8 MB at most, 4 per post."),
    )
    image_alt = forms.CharField(
        label=_("Description of the image (alt text)"),
        required=False,
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the image shows, for people who cannot see it. Required."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("image") and not (data.get("image_alt") or "").strip():
            self.add_error("image_alt", _("Describe the image for people who cannot see it."))
        return data

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the channels that publish posts (Matrix, e-mail, WhatsApp only converse).
        publishing = Channel.objects.filter(
            organization=org, status=ChannelStatus.ACTIVE, network__in=publishing_kinds()
        )
        self.fields["channels"].queryset = publishing  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = Campaign.objects.filter(  # type: ignore[attr-defined]
            organization=org
        )
        # One optional text per network the organisation publishes to.
        networks = sorted(set(publishing.values_list("network", flat=True)))
        self.variant_networks = []
        for network in networks:
            label = str(Network(network).label)
            self.fields[f"variant_{network}"] = forms.CharField(
                label=_("Text for %(network)s") % {"network": label},
                required=False,
                max_length=10_000,
                widget=forms.Textarea(attrs={"rows": 3, "class": "variant"}),
                help_text=_("Empty: the main text."),
            )
            self.variant_networks.append(network)

    def variants(self) -> dict[str, str]:
        return {n: self.cleaned_data.get(f"variant_{n}", "") for n in self.variant_networks}


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Goal"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    color = forms.RegexField(
        label=_("Colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#0f766e",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    starts_on = forms.DateField(
        label=_("Starts"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Ends"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day"), coerce=int, choices=WEEKDAYS)
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
