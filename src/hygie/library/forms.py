from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hygie.library import announcements
from hygie.library.awareness import WEEKDAYS, AwarenessEntry
from hygie.library.models import ContentTemplate

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ContentTemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    awareness_id = forms.ChoiceField(label=_("Awareness date"), required=False)

    class Meta:
        model = ContentTemplate
        fields = ["title", "text", "tags", "awareness_id"]
        widgets = {"text": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args: Any, entries: list[AwarenessEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "fr"
        choices = [("", _("None"))] + [(e.id, e.title(language)) for e in entries]
        current = self.initial.get("awareness_id") or getattr(self.instance, "awareness_id", "")
        if current and current not in {value for value, _label in choices}:
            choices.append((current, current))  # keep a link the audience no longer shows
        self.fields["awareness_id"].choices = choices  # type: ignore[attr-defined]
        self.fields["text"].max_length = 10_000  # type: ignore[attr-defined]
        self.fields["text"].widget.attrs["maxlength"] = "10000"


class GardeForm(forms.Form):
    day = forms.DateField(
        label=_("Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    start = forms.TimeField(
        label=_("From"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M"],
    )
    end = forms.TimeField(
        label=_("Until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M"],
        help_text=_("A time earlier than the start means the next morning."),
    )
    address = forms.CharField(
        label=_("Address"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label=_("Additional information"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional, for example how to ring at night."),
    )

    def garde(self) -> announcements.Garde:
        data = self.cleaned_data
        return announcements.Garde(
            day=data["day"],
            start=data["start"],
            end=data["end"],
            address=data["address"],
            note=data.get("note") or "",
        )


def _hours_field(label: StrOrPromise, help_text: StrOrPromise = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=100, help_text=help_text)


class HoursForm(forms.Form):
    monday = _hours_field(
        _("Monday"), _("For each day, for example 9:00-12:30, 14:00-19:00. Empty: closed.")
    )
    tuesday = _hours_field(_("Tuesday"))
    wednesday = _hours_field(_("Wednesday"))
    thursday = _hours_field(_("Thursday"))
    friday = _hours_field(_("Friday"))
    saturday = _hours_field(_("Saturday"))
    sunday = _hours_field(_("Sunday"))
    closures = forms.CharField(
        label=_("Exceptional closures"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: 25/12/2025, or 24/12/2025 - 26/12/2025, optionally followed by "
            "': reason'."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in WEEKDAYS:
            try:
                data[f"{name}_hours"] = announcements.parse_hours(data.get(name) or "")
            except ValueError:
                self.add_error(
                    name,
                    _("Write the hours like 9:00-12:30, 14:00-19:00, each end after its start."),
                )
        try:
            data["closure_list"] = announcements.parse_closures(data.get("closures") or "")
        except ValueError as exc:
            self.add_error(
                "closures",
                _("Line not understood: %(line)s. Write dates as 25/12/2025.") % {"line": exc},
            )
        return data

    def opening_hours(self) -> announcements.OpeningHours:
        data = self.cleaned_data
        return announcements.OpeningHours(
            week=tuple(data[f"{name}_hours"] for name in WEEKDAYS),
            closures=data["closure_list"],
        )
