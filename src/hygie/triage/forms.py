from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hygie.triage.models import TriageSettings


class TriageSettingsForm(forms.ModelForm[TriageSettings]):
    ae_threshold = forms.FloatField(
        label=_("Adverse-event threshold"),
        required=False,
        min_value=0.001,
        max_value=0.999,
        help_text=_(
            "Empty: the shipped default, chosen to miss at most one possible adverse event in "
            "twenty on our development set. Lower misses fewer and raises more false alarms."
        ),
    )
    abuse_threshold = forms.FloatField(
        label=_("Abuse threshold"),
        required=False,
        min_value=0.001,
        max_value=0.999,
        help_text=_("Empty: the shipped default. Higher hides fewer messages."),
    )

    class Meta:
        model = TriageSettings
        fields = ["open_cases", "ae_threshold", "abuse_action", "abuse_threshold"]
