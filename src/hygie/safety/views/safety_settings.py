"""The organisation's safety settings and its approved acknowledgement templates."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hygie.accounts.roles import Perm
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.safety import actions, forms
from hygie.safety.models import SafetyAckTemplate
from hygie.safety.views._common import _run

# --- Settings --------------------------------------------------------------------------------


def _settings_page(
    request: OrgRequest,
    form: forms.SettingsForm | None = None,
    template_form: forms.AckTemplateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = actions.settings_for(request.org)
    officers = [m.user for m in actions.safety_members(request.org)]
    if form is None:
        form = forms.SettingsForm(
            officers=officers,
            initial={
                "forward_within_business_days": policy.forward_within_business_days,
                "escalate_hours_before_due": policy.escalate_hours_before_due,
                "backup_officer": policy.backup_officer_id,
                "forward_to": policy.forward_to,
                "region": policy.region,
            },
        )
    templates = SafetyAckTemplate.objects.filter(organization=request.org).select_related(
        "approved_by"
    )
    return render(
        request,
        "safety/settings.html",
        {
            "form": form,
            "policy": policy,
            "templates": [
                (
                    t,
                    forms.AckTemplateForm(
                        initial={
                            "name": t.name,
                            "text": t.text,
                            "language": t.language,
                            "is_active": t.is_active,
                        },
                        prefix=f"t{t.pk}",
                    ),
                )
                for t in templates
            ],
            "default_text": actions.DEFAULT_ACK_TEXT if not templates else "",
            "template_form": template_form or forms.AckTemplateForm(prefix="new"),
        },
        status=status,
    )


@org_view(Perm.SAFETY_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def safety_settings(request: OrgRequest) -> HttpResponse:
    if request.method != "POST":
        return _settings_page(request)
    officers = [m.user for m in actions.safety_members(request.org)]
    form = forms.SettingsForm(request.POST, officers=officers)
    if not form.is_valid():
        return _settings_page(request, form=form, status=400)
    if _run(
        request,
        _("Safety settings saved."),
        lambda: actions.do_save_safety_settings(
            request.org, data=form.cleaned_data, acting_user=request.user
        ),
    ):
        return redirect("safety:settings", org_slug=request.org.slug)
    return _settings_page(request, form=form, status=400)


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def ack_template_save(request: OrgRequest, ack_template_id: int | None = None) -> HttpResponse:
    template = None
    prefix = "new"
    if ack_template_id is not None:
        template = access_scoped(SafetyAckTemplate.objects.all(), request, ack_template_id)
        prefix = f"t{template.pk}"
    form = forms.AckTemplateForm(request.POST, prefix=prefix)
    if not form.is_valid():
        messages.error(request, _("Give the template a name and a text."))
    else:
        _run(
            request,
            _("Template approved."),
            lambda: actions.do_save_ack_template(
                request.org, data=form.cleaned_data, template=template, acting_user=request.user
            ),
        )
    return redirect("safety:settings", org_slug=request.org.slug)
