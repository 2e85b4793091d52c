"""Forms of the safety pages: they parse; the actions decide."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hygie.accounts.models import User
from hygie.safety.export.declaration import REGIONS
from hygie.safety.models import (
    PRIVATE_CHANNELS,
    AgeGroup,
    CloseReason,
    FollowUpChannel,
    FollowUpOutcome,
    ProductRole,
    ReactionOutcome,
    ReporterQualification,
    SafetyCase,
    Seriousness,
    Sex,
    SpecialSituation,
)

BLANK: list[tuple[str, Any]] = [("", "—")]


class SeriousnessForm(forms.Form):
    seriousness = forms.MultipleChoiceField(
        label=_("Seriousness criteria"),
        choices=Seriousness.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class DetailsForm(forms.Form):
    reporter_qualification = forms.ChoiceField(
        label=_("Reporter qualification"), choices=ReporterQualification.choices
    )
    reporter_country = forms.CharField(
        label=_("Reporter country"),
        max_length=2,
        min_length=2,
        help_text=_("Two letters: FR, BE, CH…"),
    )
    patient_initials = forms.CharField(label=_("Patient initials"), max_length=10, required=False)
    patient_age = forms.IntegerField(
        label=_("Patient age (years)"), min_value=0, max_value=130, required=False
    )
    patient_age_group = forms.ChoiceField(
        label=_("Age group"), choices=BLANK + list(AgeGroup.choices), required=False
    )
    patient_sex = forms.ChoiceField(
        label=_("Sex"), choices=BLANK + list(Sex.choices), required=False
    )
    patient_pregnant = forms.NullBooleanField(
        label=_("Pregnant"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("Unknown")), ("true", _("Yes")), ("false", _("No"))]
        ),
    )
    special_situations = forms.MultipleChoiceField(
        label=_("Special situations"),
        choices=SpecialSituation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    quality_complaint = forms.BooleanField(
        label=_("Product quality complaint (to the quality department too)"), required=False
    )
    narrative = forms.CharField(
        label=_("Case narrative"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("What happened, in order, in your words; no name of the patient."),
    )

    @classmethod
    def for_case(cls, case: SafetyCase, **kwargs: Any) -> DetailsForm:
        initial = {name: getattr(case, name) for name in cls.base_fields}
        return cls(initial=initial, **kwargs)


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Product"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ProductRole.choices, required=False)
    batch = forms.CharField(label=_("Batch"), max_length=100, required=False)


class ReactionForm(forms.Form):
    text = forms.CharField(
        label=_("Reaction, in the reporter's words"), max_length=1000, required=False
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=BLANK + list(ReactionOutcome.choices), required=False
    )


ProductFormSet = forms.formset_factory(ProductForm, extra=1, max_num=20, absolute_max=20)
ReactionFormSet = forms.formset_factory(ReactionForm, extra=1, max_num=20, absolute_max=20)


class FollowUpForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=FollowUpChannel.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUpOutcome.choices)
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now."),
    )
    text = forms.CharField(
        label=_("What was asked or learnt"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def clean_at(self) -> datetime | None:
        at: datetime | None = self.cleaned_data.get("at")
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at)
        return at


class AcknowledgementForm(forms.Form):
    template = forms.CharField(widget=forms.HiddenInput, required=False)
    private_channel = forms.ChoiceField(
        label=_("Continue the conversation by"),
        choices=[(c.value, c.label) for c in PRIVATE_CHANNELS],
    )
    mode = forms.ChoiceField(
        label=_("How"),
        choices=[
            ("hygie", _("Send the answer from Hygie")),
            ("manual", _("I posted it myself on the network")),
        ],
        widget=forms.RadioSelect,
        initial="hygie",
    )


class ForwardForm(forms.Form):
    forwarded_to = forms.CharField(
        label=_("Forwarded to"),
        max_length=255,
        help_text=_("The safety department, its database or its inbox."),
    )
    reference = forms.CharField(
        label=_("Reference in the safety database"), max_length=100, required=False
    )


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=CloseReason.choices)
    note = forms.CharField(
        label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen it"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class OfficerField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class SettingsForm(forms.Form):
    forward_within_business_days = forms.IntegerField(
        label=_("Forward within (business days)"), min_value=1, max_value=15
    )
    escalate_hours_before_due = forms.IntegerField(
        label=_("Escalate this many hours before the deadline"), min_value=0, max_value=72
    )
    backup_officer = OfficerField(
        label=_("Back-up officer"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Receives the escalation e-mails. Empty: every officer who manages cases."),
    )
    forward_to = forms.CharField(label=_("Forward to"), max_length=255, required=False)
    region = forms.ChoiceField(
        label=_("Region of the regional pharmacovigilance centre"),
        choices=BLANK + sorted(REGIONS.items(), key=lambda r: r[1]),
        required=False,
        help_text=_("For a pharmacy: prefilled in its declarations."),
    )

    def __init__(self, *args: Any, officers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["backup_officer"]
        assert isinstance(field, OfficerField)  # noqa: S101  (declared above)
        field.queryset = User.objects.filter(pk__in=[u.pk for u in officers])


class AckTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    text = forms.CharField(
        label=_("Approved text"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_(
            "Thank the person and move to a private channel. Never discuss causality or "
            "reassure in public."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("fr", "Français"), ("en", "English")]
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class DeclarationDoneForm(forms.Form):
    reference = forms.CharField(label=_("Reference given by the portal"), max_length=100)
