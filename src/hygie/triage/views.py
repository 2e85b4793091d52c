"""How an organisation wants its inbound messages read."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm
from hygie.core.access import OrgRequest, org_view
from hygie.triage import actions
from hygie.triage.forms import TriageSettingsForm
from hygie.triage.service import triager_for


@org_view(Perm.ORG_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def triage_settings(request: OrgRequest) -> HttpResponse:
    current = actions.settings_for(request.org)
    form = TriageSettingsForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_settings(
                request.org, data=form.cleaned_data, acting_user=request.user
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Triage settings saved."))
            return redirect("triage:settings", org_slug=request.org.slug)
    default = triager_for(None, None)
    return render(
        request,
        "triage/settings.html",
        {
            "form": form,
            "model_version": default.version,
            "default_ae": default.ae_threshold,
            "default_abuse": default.abuse_threshold,
        },
    )
