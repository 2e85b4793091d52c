"""Editorial calendar and composer."""

from __future__ import annotations

import calendar as pycalendar
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm
from hygie.channels.models import Channel
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.library.templates import resolve_template
from hygie.providers.registry import provider_class
from hygie.providers.text import find_urls, measure
from hygie.publishing import actions
from hygie.publishing.forms import PostForm
from hygie.publishing.models import Campaign, Post, PostMedia, PostTarget
from hygie.publishing.tasks import dispatch_due_posts


def _month_from(request: OrgRequest) -> date:
    raw = request.GET.get("month", "")
    try:
        year, month = raw.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


@org_view(Perm.POSTS_VIEW)
@require_safe
def calendar(request: OrgRequest) -> HttpResponse:
    """Month (default) or week view of the organisation's posts, in its time zone."""
    view = "week" if request.GET.get("view") == "week" else "month"
    today = timezone.localdate()
    if view == "week":
        try:
            anchor = date.fromisoformat(request.GET.get("week", ""))
        except ValueError:
            anchor = today
        monday = anchor - timedelta(days=anchor.weekday())
        weeks = [[monday + timedelta(days=i) for i in range(7)]]
        month = monday.replace(day=1)
        previous_link = f"?view=week&week={monday - timedelta(days=7)}"
        next_link = f"?view=week&week={monday + timedelta(days=7)}"
    else:
        month = _month_from(request)
        weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
        previous_link = f"?month={(month - timedelta(days=1)):%Y-%m}"
        next_link = f"?month={(month + timedelta(days=32)).replace(day=1):%Y-%m}"
    tz = timezone.get_current_timezone()
    start = datetime.combine(weeks[0][0], time.min, tzinfo=tz)
    end = datetime.combine(weeks[-1][-1] + timedelta(days=1), time.min, tzinfo=tz)
    posts = (
        Post.objects.filter(organization=request.org)
        .filter(
            Q(published_at__gte=start, published_at__lt=end)
            | Q(published_at__isnull=True, scheduled_at__gte=start, scheduled_at__lt=end)
        )
        .select_related("campaign")
        .prefetch_related("targets__channel")
        .order_by("scheduled_at")
    )
    campaigns = Campaign.objects.filter(organization=request.org)
    campaign_id = request.GET.get("campaign", "")
    if campaign_id.isdigit():
        posts = posts.filter(campaign_id=int(campaign_id))
    by_day: dict[date, list[Post]] = defaultdict(list)
    for post in posts:
        when = post.published_at or post.scheduled_at
        if when is not None:
            by_day[timezone.localtime(when).date()].append(post)
    drafts = Post.objects.filter(
        organization=request.org, status="draft", scheduled_at__isnull=True
    ).order_by("-updated_at")[:10]
    return render(
        request,
        "publishing/calendar.html",
        {
            "view": view,
            "month": month,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "previous_link": previous_link,
            "next_link": next_link,
            "today": today,
            "drafts": drafts,
            "campaigns": campaigns,
            "campaign_id": campaign_id,
            "can_compose": request.membership.has_perm(Perm.POSTS_COMPOSE),
            "can_move": request.membership.has_perm(Perm.POSTS_SCHEDULE),
            "feed_url": django_settings.HYGIE_BASE_URL
            + reverse("calendar_feed", args=[request.membership.feed_token]),
        },
    )


@transaction.atomic
def _save(request: OrgRequest, form: PostForm, post: Post | None) -> Post:
    """Save and, when a time is given, schedule; a refusal rolls both back."""
    data = form.cleaned_data
    if post is None:
        post = actions.do_create_post(
            request.org,
            text=data["text"],
            channels=data["channels"],
            acting_user=request.user,
            campaign=data.get("campaign"),
            variants=form.variants(),
        )
    else:
        post = actions.do_update_post(
            post,
            text=data["text"],
            channels=data["channels"],
            acting_user=request.user,
            campaign=data.get("campaign"),
            variants=form.variants(),
        )
    image = data.get("image")
    if image:
        actions.do_add_media(
            post,
            data=image.read(),
            filename=image.name,
            alt_text=data["image_alt"],
            acting_user=request.user,
        )
    when = data.get("scheduled_at")
    if "publish_now" in request.POST:
        if not request.membership.has_perm(Perm.POSTS_SCHEDULE):
            raise ActionError(_("Your role cannot publish posts: save a draft for review."))
        post = actions.do_schedule_post(
            post, when=timezone.now(), acting_user=request.user, now_allowed=True
        )
        transaction.on_commit(lambda: dispatch_due_posts.delay())
    elif "queue" in request.POST:
        if not request.membership.has_perm(Perm.POSTS_SCHEDULE):
            raise ActionError(_("Your role cannot schedule posts: save a draft for review."))
        post = actions.do_queue_post(post, acting_user=request.user)
    elif when and request.membership.has_perm(Perm.POSTS_SCHEDULE):
        post = actions.do_schedule_post(post, when=when, acting_user=request.user)
    elif when:
        raise ActionError(
            _("Your role cannot schedule posts: empty the date to save a draft for review.")
        )
    return post


@org_view(Perm.POSTS_COMPOSE)
@require_http_methods(["GET", "POST"])
def compose(request: OrgRequest) -> HttpResponse:
    initial: dict[str, str] = {}
    if request.method == "GET":
        # ?template=builtin:<awareness id>:<n>, org:<pk> or text:<signed>, from the library.
        text = resolve_template(request.org, request.GET.get("template"))
        if text is not None:
            initial["text"] = text
    form = PostForm(request.POST or None, request.FILES or None, org=request.org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            post = _save(request, form, None)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Post saved."))
            return redirect("publishing:post", org_slug=request.org.slug, post_id=post.pk)
    return render(request, "publishing/compose.html", {"form": form, "post": None})


@org_view(Perm.POSTS_VIEW)
@require_http_methods(["GET", "POST"])
def post_detail(request: OrgRequest, post_id: int) -> HttpResponse:
    post = access_scoped(Post.objects.select_related("author"), request, post_id)
    can_edit = request.membership.has_perm(Perm.POSTS_COMPOSE) and post.status in actions.EDITABLE
    initial = {
        "text": post.text,
        "channels": list(post.targets.values_list("channel_id", flat=True)),
        "scheduled_at": timezone.localtime(post.scheduled_at) if post.scheduled_at else None,
        "campaign": post.campaign_id,
        **{f"variant_{v.network}": v.text for v in post.variants.all()},
    }
    form = PostForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        org=request.org,
        initial=initial,
    )
    if request.method == "POST":
        if not can_edit:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                _save(request, form, post)
            except ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Post saved."))
                return redirect("publishing:post", org_slug=request.org.slug, post_id=post.pk)
    return render(
        request,
        "publishing/compose.html",
        {
            "form": form,
            "post": post,
            "can_edit": can_edit,
            "targets": post.targets.select_related("channel").prefetch_related("attempts"),
            "media": post.media.all(),
            "can_schedule": request.membership.has_perm(Perm.POSTS_SCHEDULE),
        },
    )


@org_view(Perm.POSTS_SCHEDULE)
@require_POST
def post_unschedule(request: OrgRequest, post_id: int) -> HttpResponse:
    post = access_scoped(Post.objects.all(), request, post_id)
    try:
        actions.do_unschedule_post(post, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Back to draft."))
    return redirect("publishing:post", org_slug=request.org.slug, post_id=post.pk)


_TAG = re.compile(r"(?<![\w&])#(\w{1,64})")


def preview_html(text: str) -> SafeString:
    """The text as a network shows it: escaped, links and hashtags highlighted."""
    out, last = [], 0
    for start, end, url in find_urls(text):
        out.append(_TAG.sub(r'<span class="tag">#\1</span>', escape(text[last:start])))
        out.append(f'<span class="link">{escape(url)}</span>')
        last = end
    out.append(_TAG.sub(r'<span class="tag">#\1</span>', escape(text[last:])))
    return mark_safe("".join(out).replace("\n", "<br>"))  # noqa: S308  (built from escaped parts)


@org_view(Perm.POSTS_COMPOSE)
@require_POST
def compose_check(request: OrgRequest) -> HttpResponse:
    """Live counters and network rules for the text being typed (htmx, debounced)."""
    text = request.POST.get("text", "")
    ids = [int(i) for i in request.POST.getlist("channels") if i.isdigit()]
    channels = Channel.objects.filter(organization=request.org, pk__in=ids)
    images = (
        int(request.POST.get("images", "0") or 0) if request.POST.get("images", "").isdigit() else 0
    )
    rows = []
    for channel in channels:
        cls = provider_class(channel.network)
        variant = request.POST.get(f"variant_{channel.network}", "")
        body = variant if variant.strip() else text
        rule = cls.limits.length
        length = measure(body, rule)
        problems = []
        if length > rule.max_length:
            problems.append(_("%(n)s too many characters") % {"n": length - rule.max_length})
        if cls.limits.image_required and not images:
            problems.append(_("needs an image"))
        if images > cls.limits.max_images:
            problems.append(_("%(n)s images at most") % {"n": cls.limits.max_images})
        rows.append(
            {
                "channel": channel,
                "length": length,
                "max": rule.max_length,
                "problems": problems,
                "preview": preview_html(body),
                "variant": bool(variant.strip()),
            }
        )
    return render(request, "publishing/_check.html", {"rows": rows})


@org_view(Perm.POSTS_COMPOSE)
@require_POST
def media_edit(request: OrgRequest, post_id: int, media_id: int) -> HttpResponse:
    post = access_scoped(Post.objects.all(), request, post_id)
    media = post.media.filter(pk=media_id).first()
    if media is None:
        raise Http404
    try:
        if request.POST.get("remove"):
            actions.do_remove_media(media, acting_user=request.user)
            messages.success(request, _("Image removed."))
        else:
            actions.do_update_media_alt(
                media, alt_text=request.POST.get("alt_text", ""), acting_user=request.user
            )
            messages.success(request, _("Description saved."))
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("publishing:post", org_slug=request.org.slug, post_id=post.pk)


def _target(request: OrgRequest, post_id: int, target_id: int) -> PostTarget:
    post = access_scoped(Post.objects.all(), request, post_id)
    target = post.targets.filter(pk=target_id).select_related("post", "channel").first()
    if target is None:
        raise Http404
    return target


@org_view(Perm.POSTS_SCHEDULE)
@require_POST
def target_retry(request: OrgRequest, post_id: int, target_id: int) -> HttpResponse:
    from hygie.publishing.tasks import publish_attempt

    target = _target(request, post_id, target_id)
    try:
        attempt = actions.do_retry_target(target, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        transaction.on_commit(lambda: publish_attempt.delay(attempt.pk))
        messages.success(
            request, _("Publishing again on %(channel)s.") % {"channel": target.channel}
        )
    return redirect("publishing:post", org_slug=request.org.slug, post_id=post_id)


@org_view(Perm.POSTS_SCHEDULE)
@require_POST
def target_confirm(request: OrgRequest, post_id: int, target_id: int) -> HttpResponse:
    target = _target(request, post_id, target_id)
    url = request.POST.get("url", "").strip()
    validator = URLValidator(schemes=["https"])
    try:
        validator(url)
        actions.do_confirm_target_published(target, url=url, acting_user=request.user)
    except ValidationError:
        messages.error(request, _("Paste the https:// address of the post as it appears online."))
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Marked as published."))
    return redirect("publishing:post", org_slug=request.org.slug, post_id=post_id)


@require_safe
def public_media(request: HttpRequest, token: str) -> FileResponse:
    """An image of a post, for the networks that fetch it themselves (unguessable address)."""
    media = PostMedia.objects.filter(public_token=token).first()
    if media is None:
        raise Http404
    response = FileResponse(media.file.open("rb"), content_type=media.mime_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
