"""Planning: moving posts on the calendar, campaigns, posting slots."""

from __future__ import annotations

from datetime import date, datetime, time

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.publishing import actions
from hygie.publishing.forms import CampaignForm, SlotForm
from hygie.publishing.models import Campaign, Post, PostingSlot


@org_view(Perm.POSTS_SCHEDULE)
@require_POST
def post_reschedule(request: OrgRequest, post_id: int) -> HttpResponse:
    """Dragged to another day on the calendar: same time of day, new date (or new time)."""
    post = access_scoped(Post.objects.all(), request, post_id)
    current = timezone.localtime(post.scheduled_at) if post.scheduled_at else None
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
        at = (
            time.fromisoformat(request.POST["time"])
            if request.POST.get("time")
            else (current.timetz().replace(tzinfo=None) if current else time(9, 0))
        )
        when = datetime.combine(day, at, tzinfo=timezone.get_current_timezone())
        actions.do_reschedule_post(post, when=when, acting_user=request.user)
    except (ValueError, KeyError):
        messages.error(request, _("That is not a date."))
        status = 400
    except ActionError as exc:
        messages.error(request, str(exc))
        status = 409
    else:
        messages.success(
            request, _("Moved to %(when)s.") % {"when": when.strftime("%d/%m/%Y %H:%M")}
        )
        status = 200
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204 if status == 200 else status)
        response["HX-Refresh"] = "true"
        return response
    return redirect(
        f"{reverse('publishing:calendar', args=[request.org.slug])}"
        f"?month={(when if status == 200 else timezone.now()):%Y-%m}"
    )


@org_view(Perm.POSTS_VIEW)
@require_http_methods(["GET", "POST"])
def campaign_list(request: OrgRequest) -> HttpResponse:
    can_manage = request.membership.has_perm(Perm.POSTS_SCHEDULE)
    form = CampaignForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                actions.do_save_campaign(
                    request.org, data=form.cleaned_data, acting_user=request.user
                )
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Campaign saved."))
                return redirect("publishing:campaigns", org_slug=request.org.slug)
    campaigns = (
        Campaign.objects.filter(organization=request.org)
        .annotate(n_posts=Count("posts"))
        .order_by("-starts_on", "name")
    )
    return render(
        request,
        "publishing/campaigns.html",
        {"campaigns": campaigns, "form": form, "can_manage": can_manage},
    )


@org_view(Perm.POSTS_SCHEDULE)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: OrgRequest, campaign_id: int) -> HttpResponse:
    campaign = access_scoped(Campaign.objects.all(), request, campaign_id)
    initial = {
        f: getattr(campaign, f) for f in ("name", "description", "color", "starts_on", "ends_on")
    }
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_campaign(
                request.org, data=form.cleaned_data, acting_user=request.user, campaign=campaign
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("publishing:campaigns", org_slug=request.org.slug)
    posts = campaign.posts.order_by("scheduled_at")[:200]
    return render(
        request,
        "publishing/campaign_edit.html",
        {"campaign": campaign, "form": form, "posts": posts},
    )


@org_view(Perm.POSTS_VIEW)
@require_http_methods(["GET", "POST"])
def slots(request: OrgRequest) -> HttpResponse:
    can_manage = request.membership.has_perm(Perm.POSTS_SCHEDULE)
    form = SlotForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                actions.do_add_slot(
                    request.org,
                    weekday=form.cleaned_data["weekday"],
                    at=form.cleaned_data["time"],
                    acting_user=request.user,
                )
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("publishing:slots", org_slug=request.org.slug)
    next_slot = actions.next_free_slot(request.org, timezone.now())
    return render(
        request,
        "publishing/slots.html",
        {
            "slots": PostingSlot.objects.filter(organization=request.org),
            "form": form,
            "can_manage": can_manage,
            "next_slot": next_slot,
        },
    )


@org_view(Perm.POSTS_SCHEDULE)
@require_POST
def slot_remove(request: OrgRequest, slot_id: int) -> HttpResponse:
    slot = access_scoped(PostingSlot.objects.all(), request, slot_id)
    actions.do_remove_slot(slot, acting_user=request.user)
    return redirect("publishing:slots", org_slug=request.org.slug)
