from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hygie.compliance.rules.catalog import PRODUCT_STATUSES
from hygie.products.models import OrgProduct, ProductCategory

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: Labels of the catalog's product statuses for people (its descriptions are for rule authors).
STATUS_LABELS: dict[str, StrOrPromise] = {
    "stupefiant": _("Narcotic (stupéfiant)"),
    "liste_i": _("List I"),
    "liste_ii": _("List II"),
    "prescription": _("Prescription only"),
    "otc": _("Available without prescription"),
    "reimbursed": _("Reimbursed, even partly"),
    "advertising_restricted": _("Its marketing authorisation restricts advertising to the public"),
    "unauthorised": _("No marketing authorisation (investigational, in development)"),
    "under_reevaluation": _("Benefit/risk re-evaluation under way"),
    "generic": _("Generic"),
    "vaccine": _("Vaccine"),
    "smoking_cessation": _("Smoking-cessation product"),
    "abuse_prone": _("Abuse-prone (analgesic, NSAID, antihistamine, codeine…)"),
    "low_risk_advertising_exempt": _("Device on the low-risk list (advertising exception)"),
    "prior_authorisation_required": _("Device whose advertising needs ANSM prior authorisation"),
}


def status_label(status: str) -> StrOrPromise:
    return STATUS_LABELS.get(status) or PRODUCT_STATUSES.get(status, status)


def _lines(values: list[str]) -> str:
    return "\n".join(values)


class OrgProductForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("The brand as it is written in your posts."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=ProductCategory.choices)
    synonyms = forms.CharField(
        label=_("Other names"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: other spellings, abbreviations, the brand's hashtag."),
    )
    inns = forms.CharField(
        label=_("Active substances (INN)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, for example paracétamol."),
    )
    statuses = forms.MultipleChoiceField(
        label=_("Statuses"),
        required=False,
        choices=[(key, status_label(key)) for key in PRODUCT_STATUSES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Leave the prescription and reimbursement statuses empty for a medicine of the "
            "BDPM: they are then taken from it."
        ),
    )
    indications = forms.CharField(
        label=_("Approved indications"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, as worded in the summary of product characteristics (RCP)."),
    )
    visa_gp = forms.CharField(
        label=_("ANSM visa GP number"),
        required=False,
        max_length=64,
        help_text=_("The advertising visa for the general public, for a medicine."),
    )
    visa_gp_expires = forms.DateField(
        label=_("Visa GP valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text=_("After this date the visa no longer counts."),
    )

    @classmethod
    def initial_for(cls, product: OrgProduct) -> dict[str, Any]:
        return {
            "name": product.name,
            "category": product.category,
            "synonyms": _lines(product.synonyms),
            "inns": _lines(product.inns),
            "statuses": list(product.statuses),
            "indications": product.indications,
            "visa_gp": product.visa_gp,
            "visa_gp_expires": product.visa_gp_expires,
        }
