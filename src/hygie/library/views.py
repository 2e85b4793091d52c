"""The health content library: awareness calendar, the organisation's own templates, and the
on-duty (garde) and opening-hours texts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.library import actions, announcements, awareness, templates
from hygie.library.forms import ContentTemplateForm, GardeForm, HoursForm
from hygie.library.models import ContentTemplate

UPCOMING_DAYS = 90


def _language() -> str:
    return get_language() or "fr"


@org_view(Perm.POSTS_VIEW)
@require_safe
def home(request: OrgRequest) -> HttpResponse:
    today = timezone.localdate()  # in the organisation's time zone (org_view)
    language = _language()
    entries = templates.entries_for(request.org)
    whole_year = request.GET.get("view") == "year"
    if whole_year:
        found = awareness.next_occurrences(entries, today)
    else:
        found = awareness.upcoming(entries, today, days=UPCOMING_DAYS)
    own = list(ContentTemplate.objects.filter(organization=request.org).order_by("title")[:500])
    own_by_entry: dict[str, list[ContentTemplate]] = defaultdict(list)
    for template in own:
        own_by_entry[template.awareness_id].append(template)
    titles = {entry.id: entry.title(language) for entry in awareness.builtin_calendar()}
    rows = [
        {
            "occurrence": occurrence,
            "entry": occurrence.entry,
            "title": occurrence.entry.title(language),
            "state": occurrence.state(today),
            "templates": occurrence.entry.numbered_templates(),
            "own": [(templates.org_ref(t), t) for t in own_by_entry.get(occurrence.entry.id, [])],
        }
        for occurrence in found
    ]
    return render(
        request,
        "library/home.html",
        {
            "rows": rows,
            "whole_year": whole_year,
            "upcoming_days": UPCOMING_DAYS,
            "own": [(templates.org_ref(t), t, titles.get(t.awareness_id, "")) for t in own],
            "can_compose": request.membership.has_perm(Perm.POSTS_COMPOSE),
        },
    )


def _initial_from(request: OrgRequest) -> dict[str, Any]:
    """Prefill a new template from ``?from=`` (a built-in, own or generated text)."""
    source = request.GET.get("from", "")
    found = templates.builtin_template(request.org, source)
    if found is not None:
        entry, number, text = found
        return {
            "title": f"{entry.title(_language())} ({number})",
            "text": text,
            "tags": ", ".join(entry.tags),
            "awareness_id": entry.id,
        }
    resolved = templates.resolve_template(request.org, source)
    return {"text": resolved} if resolved else {}


@org_view(Perm.POSTS_COMPOSE)
@require_http_methods(["GET", "POST"])
def template_new(request: OrgRequest) -> HttpResponse:
    form = ContentTemplateForm(
        request.POST or None,
        initial=_initial_from(request),
        entries=templates.entries_for(request.org),
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_create_template(
                request.org, data=form.cleaned_data, acting_user=request.user
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Template saved."))
            return redirect("library:home", org_slug=request.org.slug)
    return render(request, "library/edit.html", {"form": form, "content": None})


@org_view(Perm.POSTS_COMPOSE)
@require_http_methods(["GET", "POST"])
def template_edit(request: OrgRequest, template_id: int) -> HttpResponse:
    content = access_scoped(ContentTemplate.objects.all(), request, template_id)
    form = ContentTemplateForm(
        request.POST or None, instance=content, entries=templates.entries_for(request.org)
    )
    if request.method == "POST" and form.is_valid():
        # Re-read the stored row: the bound form has already copied the new values onto it.
        stored = ContentTemplate.objects.get(pk=content.pk)
        try:
            actions.do_update_template(stored, data=form.cleaned_data, acting_user=request.user)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Template saved."))
            return redirect("library:home", org_slug=request.org.slug)
    return render(
        request,
        "library/edit.html",
        {"form": form, "content": content, "ref": templates.org_ref(content)},
    )


@org_view(Perm.POSTS_COMPOSE)
@require_POST
def template_delete(request: OrgRequest, template_id: int) -> HttpResponse:
    content = access_scoped(ContentTemplate.objects.all(), request, template_id)
    actions.do_delete_template(content, acting_user=request.user)
    messages.success(request, _("Template deleted."))
    return redirect("library:home", org_slug=request.org.slug)


@org_view(Perm.POSTS_COMPOSE)
@require_safe
def announcements_page(request: OrgRequest) -> HttpResponse:
    """Forms sent by GET (nothing is stored): the text comes back ready to use."""
    which = request.GET.get("generate", "")
    is_pharmacy = request.org.is_pharmacy
    garde_form = GardeForm(
        request.GET if which == "garde" and is_pharmacy else None, prefix="garde"
    )
    hours_form = HoursForm(request.GET if which == "hours" else None, prefix="hours")
    today = timezone.localdate()
    result = ""
    if garde_form.is_bound and garde_form.is_valid():
        result = announcements.garde_text(garde_form.garde(), today=today)
    elif hours_form.is_bound and hours_form.is_valid():
        result = announcements.hours_text(
            hours_form.opening_hours(), today=today, pharmacy=is_pharmacy
        )
    return render(
        request,
        "library/announcements.html",
        {
            "garde_form": garde_form,
            "hours_form": hours_form,
            "is_pharmacy": is_pharmacy,
            "result": result,
            "result_ref": templates.text_ref(request.org, result) if result else "",
            "which": which,
        },
    )
