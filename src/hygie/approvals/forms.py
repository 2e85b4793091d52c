from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hygie.accounts.roles import Role
from hygie.approvals.actions import MAX_STEPS, SIGNING_ROLES
from hygie.approvals.models import MAX_VALIDITY_DAYS, MIN_OVERRIDE_REASON, AppliesTo, SignDecision


class _IdentityForm(forms.Form):
    """The password again, and the authenticator's code when the person has one."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    totp_code = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )

    def __init__(self, *args: Any, needs_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["totp_code"].required = True
        else:
            del self.fields["totp_code"]


class SignForm(_IdentityForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=SignDecision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject: say what to change."),
    )
    meaning_confirmed = forms.BooleanField(label=_("I confirm the meaning of my signature"))

    def __init__(self, *args: Any, meaning: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meaning_confirmed"].label = _(
            "I confirm the meaning of my signature: %(meaning)s"
        ) % {"meaning": meaning}


class OverrideForm(_IdentityForm):
    reason = forms.CharField(
        label=_("Why this post may be published despite the block"),
        min_length=MIN_OVERRIDE_REASON,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Kept in the audit trail. 20 characters at least."),
    )


class WorkflowForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=AppliesTo.choices)
    validity_days = forms.IntegerField(
        label=_("An approval is valid for (days)"), min_value=1, max_value=MAX_VALIDITY_DAYS
    )
    is_default = forms.BooleanField(
        label=_("Default workflow (used for every submission)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = [("", "—")] + [(r, Role(r).label) for r in SIGNING_ROLES]
        for i in range(1, MAX_STEPS + 1):
            self.fields[f"step_{i}_role"] = forms.ChoiceField(
                label=_("Step %(n)s: role") % {"n": i}, choices=roles, required=False
            )
            self.fields[f"step_{i}_meaning"] = forms.CharField(
                label=_("Step %(n)s: meaning of the signature") % {"n": i},
                max_length=200,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, MAX_STEPS + 1):
            role = data.get(f"step_{i}_role")
            meaning = (data.get(f"step_{i}_meaning") or "").strip()
            if role and not meaning:
                self.add_error(f"step_{i}_meaning", _("Say what this signature means."))
            if meaning and not role:
                self.add_error(f"step_{i}_role", _("Choose who signs this step."))
        return data

    def steps(self) -> list[tuple[str, str]]:
        rows = []
        for i in range(1, MAX_STEPS + 1):
            role = self.cleaned_data.get(f"step_{i}_role")
            meaning = (self.cleaned_data.get(f"step_{i}_meaning") or "").strip()
            if role and meaning:
                rows.append((role, meaning))
        return rows

    def step_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"step_{i}_role"], self[f"step_{i}_meaning"]) for i in range(1, MAX_STEPS + 1)
        ]
