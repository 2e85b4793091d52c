"""Writes to posts: create, edit, schedule, cancel. Each is atomic and audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.approvals.actions import do_void_for_edit
from hygie.approvals.gate import publication_decision
from hygie.audit.log import record_event
from hygie.channels.models import Channel, ChannelStatus
from hygie.lib.images import NotAnImage, sniff
from hygie.publishing.exchange import ImportRow
from hygie.publishing.models import (
    AttemptStatus,
    Campaign,
    Post,
    PostingSlot,
    PostMedia,
    PostStatus,
    PostTarget,
    PostVariant,
    PublishAttempt,
    TargetStatus,
)

EDITABLE = {PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.FAILED}


def _summary(post: Post) -> dict[str, Any]:
    return {
        "text": post.text,
        "status": post.status,
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        "channels": sorted(post.targets.values_list("channel_id", flat=True)) if post.pk else [],
        "campaign": post.campaign_id,
        "variants": {v.network: v.text for v in post.variants.all()} if post.pk else {},
    }


def _set_variants(post: Post, variants: dict[str, str] | None) -> None:
    if variants is None:
        return
    for network, text in variants.items():
        if text.strip():
            PostVariant.objects.update_or_create(
                post=post, network=network, defaults={"text": text}
            )
        else:
            PostVariant.objects.filter(post=post, network=network).delete()


def _set_channels(post: Post, channels: Iterable[Channel]) -> None:
    wanted = {c.pk: c for c in channels}
    for channel in wanted.values():
        if channel.organization_id != post.organization_id:
            raise ActionError(_("That channel belongs to another organisation."))
    post.targets.exclude(channel_id__in=wanted).delete()
    existing = set(post.targets.values_list("channel_id", flat=True))
    PostTarget.objects.bulk_create(
        PostTarget(post=post, channel=c) for pk, c in wanted.items() if pk not in existing
    )


def _check_schedulable(post: Post, when: datetime, *, now_allowed: bool = False) -> None:
    if when <= timezone.now() - (timedelta(minutes=1) if now_allowed else timedelta(0)):
        raise ActionError(_("Choose a time in the future."))
    if not post.text.strip():
        raise ActionError(_("A post needs some text."))
    inactive = post.targets.exclude(channel__status=ChannelStatus.ACTIVE).select_related("channel")
    if not post.targets.exists():
        raise ActionError(_("Choose at least one channel."))
    if inactive:
        names = ", ".join(str(t.channel) for t in inactive)
        raise ActionError(_("These channels are not active: %(names)s") % {"names": names})


@transaction.atomic
def do_create_post(
    org: Organization,
    *,
    text: str,
    channels: Iterable[Channel],
    acting_user: User,
    campaign: Campaign | None = None,
    variants: dict[str, str] | None = None,
) -> Post:
    if campaign is not None and campaign.organization_id != org.pk:
        raise ActionError(_("That campaign belongs to another organisation."))
    post = Post.objects.create(organization=org, author=acting_user, text=text, campaign=campaign)
    _set_channels(post, channels)
    _set_variants(post, variants)
    record_event(
        "post.created", actor=acting_user, organization=org, target=post, after=_summary(post)
    )
    return post


@transaction.atomic
def do_update_post(
    post: Post,
    *,
    text: str,
    channels: Iterable[Channel],
    acting_user: User,
    campaign: Campaign | None = None,
    variants: dict[str, str] | None = None,
) -> Post:
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.status not in EDITABLE:
        raise ActionError(
            _("A %(status)s post cannot be edited.") % {"status": post.get_status_display()}
        )
    if campaign is not None and campaign.organization_id != post.organization_id:
        raise ActionError(_("That campaign belongs to another organisation."))
    before = _summary(post)
    post.text = text
    post.campaign = campaign
    post.save(update_fields=["text", "campaign", "updated_at"])
    _set_channels(post, channels)
    _set_variants(post, variants)
    do_void_for_edit(post, acting_user=acting_user)
    if post.status == PostStatus.SCHEDULED and post.scheduled_at:
        _check_schedulable(post, post.scheduled_at)
    record_event(
        "post.updated",
        actor=acting_user,
        organization=post.organization,
        target=post,
        before=before,
        after=_summary(post),
    )
    return post


@transaction.atomic
def do_schedule_post(
    post: Post, *, when: datetime, acting_user: User, now_allowed: bool = False
) -> Post:
    """Put the post on the calendar (``now_allowed``: "publish now", due at once)."""
    if post.status not in EDITABLE:
        raise ActionError(
            _("A %(status)s post cannot be scheduled.") % {"status": post.get_status_display()}
        )
    _check_schedulable(post, when, now_allowed=now_allowed)
    if not (decision := publication_decision(post)).allowed:
        raise ActionError(decision.reason)
    before = _summary(post)
    post.status = PostStatus.SCHEDULED
    post.scheduled_at = when
    post.save(update_fields=["status", "scheduled_at", "updated_at"])
    record_event(
        "post.scheduled",
        actor=acting_user,
        organization=post.organization,
        target=post,
        before=before,
        after=_summary(post),
    )
    return post


@transaction.atomic
def do_unschedule_post(post: Post, *, acting_user: User) -> Post:
    if post.status != PostStatus.SCHEDULED:
        raise ActionError(_("Only a scheduled post can go back to draft."))
    before = _summary(post)
    post.status = PostStatus.DRAFT
    post.save(update_fields=["status", "updated_at"])
    record_event(
        "post.unscheduled",
        actor=acting_user,
        organization=post.organization,
        target=post,
        before=before,
        after=_summary(post),
    )
    return post


@transaction.atomic
def do_record_published(post: Post, *, when: datetime, acting_user: User | None) -> Post:
    """Record that the post went out (called by the publishing worker, or an import)."""
    before = _summary(post)
    post.status = PostStatus.PUBLISHED
    post.published_at = when
    post.scheduled_at = post.scheduled_at or when
    post.save(update_fields=["status", "published_at", "scheduled_at", "updated_at"])
    record_event(
        "post.published",
        actor=acting_user,
        organization=post.organization,
        target=post,
        before=before,
        after=_summary(post),
    )
    return post


@transaction.atomic
def do_retry_target(target: PostTarget, *, acting_user: User) -> PublishAttempt:
    """A person asks to publish again on a channel that failed or is unconfirmed.

    The new attempt has a new idempotency key: for an unconfirmed one, the person has checked
    the network and decided that the first try did not go out.
    """
    target = PostTarget.objects.select_for_update().select_related("post").get(pk=target.pk)
    if target.status not in (TargetStatus.FAILED, TargetStatus.UNCONFIRMED):
        raise ActionError(_("Only a failed or unconfirmed channel can be tried again."))
    target.attempts.filter(status=AttemptStatus.UNCONFIRMED).update(
        status=AttemptStatus.ABANDONED, finished_at=timezone.now()
    )
    attempt = PublishAttempt.objects.create(target=target, next_try_at=timezone.now())
    target.status = TargetStatus.PUBLISHING
    target.last_error = ""
    target.save(update_fields=["status", "last_error"])
    post = target.post
    if post.status == PostStatus.FAILED:
        post.status = PostStatus.SCHEDULED
        post.save(update_fields=["status", "updated_at"])
    record_event(
        "post_target.retried",
        actor=acting_user,
        organization=post.organization,
        target=post,
        after={"channel": str(target.channel_id), "attempt": attempt.pk},
    )
    return attempt


@transaction.atomic
def do_confirm_target_published(target: PostTarget, *, url: str, acting_user: User) -> PostTarget:
    """A person checked the network: the unconfirmed post is there (at ``url``)."""
    target = PostTarget.objects.select_for_update().select_related("post").get(pk=target.pk)
    if target.status != TargetStatus.UNCONFIRMED:
        raise ActionError(_("Only an unconfirmed channel can be confirmed."))
    now = timezone.now()
    target.attempts.filter(status=AttemptStatus.UNCONFIRMED).update(
        status=AttemptStatus.PUBLISHED, finished_at=now, external_url=url
    )
    target.status = TargetStatus.PUBLISHED
    target.external_url = url
    target.published_at = now
    target.last_error = ""
    target.save(update_fields=["status", "external_url", "published_at", "last_error"])
    record_event(
        "post_target.confirmed",
        actor=acting_user,
        organization=target.post.organization,
        target=target.post,
        after={"channel": str(target.channel_id), "url": url},
    )
    from hygie.publishing.engine import settle_post

    settle_post(target.post)
    return target


MAX_IMAGE_BYTES = 8_000_000
MAX_IMAGES = 4


@transaction.atomic
def do_add_media(
    post: Post, *, data: bytes, filename: str, alt_text: str, acting_user: User
) -> PostMedia:
    """Attach an image. Its type is read from its bytes; a description is required."""
    if post.status not in EDITABLE:
        raise ActionError(_("This post can no longer be changed."))
    if not alt_text.strip():
        raise ActionError(_("Describe the image for people who cannot see it (alt text)."))
    if len(data) > MAX_IMAGE_BYTES:
        raise ActionError(_("The image is over 8 MB."))
    if post.media.count() >= MAX_IMAGES:
        raise ActionError(_("A post has 4 images at most."))
    try:
        info = sniff(data)
    except NotAnImage:
        raise ActionError(_("This file is not a PNG, JPEG, GIF or WebP image.")) from None
    safe_name = get_valid_filename(filename)[:150] or "image"
    media = PostMedia(
        post=post,
        filename=safe_name,
        mime_type=info.mime_type,
        width=info.width,
        height=info.height,
        size=len(data),
        alt_text=alt_text.strip(),
        position=post.media.count(),
    )
    media.file.save(safe_name, ContentFile(data), save=False)
    media.save()
    do_void_for_edit(post, acting_user=acting_user)
    record_event(
        "post.media_added",
        actor=acting_user,
        organization=post.organization,
        target=post,
        after={"file": safe_name, "alt_text": media.alt_text, "type": info.mime_type},
    )
    return media


@transaction.atomic
def do_update_media_alt(media: PostMedia, *, alt_text: str, acting_user: User) -> PostMedia:
    if not alt_text.strip():
        raise ActionError(_("Describe the image for people who cannot see it (alt text)."))
    before = {"alt_text": media.alt_text}
    media.alt_text = alt_text.strip()
    media.save(update_fields=["alt_text"])
    do_void_for_edit(media.post, acting_user=acting_user)
    record_event(
        "post.media_described",
        actor=acting_user,
        organization=media.post.organization,
        target=media.post,
        before=before,
        after={"alt_text": media.alt_text},
    )
    return media


@transaction.atomic
def do_remove_media(media: PostMedia, *, acting_user: User) -> None:
    post = media.post
    if post.status not in EDITABLE:
        raise ActionError(_("This post can no longer be changed."))
    name = media.filename
    media.file.delete(save=False)
    media.delete()
    do_void_for_edit(post, acting_user=acting_user)
    record_event(
        "post.media_removed",
        actor=acting_user,
        organization=post.organization,
        target=post,
        before={"file": name},
    )


@transaction.atomic
def do_import_posts(
    org: Organization, *, rows: list[ImportRow], acting_user: User, can_schedule: bool
) -> list[Post]:
    """Create the posts of a checked import, all in one transaction."""
    created = []
    for row in rows:
        post = do_create_post(org, text=row.text, channels=row.channels, acting_user=acting_user)
        if row.scheduled_at is not None:
            if not can_schedule:
                raise ActionError(_("Your role cannot schedule posts: remove the dates."))
            do_schedule_post(post, when=row.scheduled_at, acting_user=acting_user)
        created.append(post)
    record_event(
        "posts.imported", actor=acting_user, organization=org, after={"count": len(created)}
    )
    return created


# --- Campaigns, posting slots, queue, rescheduling ------------------------------------------


@transaction.atomic
def do_save_campaign(
    org: Organization, *, data: dict[str, Any], acting_user: User, campaign: Campaign | None = None
) -> Campaign:
    fields = ("name", "description", "color", "starts_on", "ends_on")
    if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        raise ActionError(_("The campaign ends before it starts."))
    before = {f: str(getattr(campaign, f)) for f in fields} if campaign else None
    if campaign is None:
        campaign = Campaign(organization=org)
    campaign.name = data["name"]
    campaign.description = data.get("description") or ""
    campaign.color = data.get("color") or "#0f766e"
    campaign.starts_on = data.get("starts_on")
    campaign.ends_on = data.get("ends_on")
    campaign.save()
    record_event(
        "campaign.saved",
        actor=acting_user,
        organization=org,
        target=campaign,
        before=before,
        after={f: str(getattr(campaign, f)) for f in fields},
    )
    return campaign


@transaction.atomic
def do_add_slot(org: Organization, *, weekday: int, at: time, acting_user: User) -> PostingSlot:
    if PostingSlot.objects.filter(organization=org, weekday=weekday, time=at).exists():
        raise ActionError(_("This slot already exists."))
    slot = PostingSlot.objects.create(organization=org, weekday=weekday, time=at)
    record_event(
        "posting_slot.added",
        actor=acting_user,
        organization=org,
        target=slot,
        after={"slot": str(slot)},
    )
    return slot


@transaction.atomic
def do_remove_slot(slot: PostingSlot, *, acting_user: User) -> None:
    record_event(
        "posting_slot.removed",
        actor=acting_user,
        organization=slot.organization,
        target=slot,
        before={"slot": str(slot)},
    )
    slot.delete()


def next_free_slot(org: Organization, after: datetime, weeks: int = 12) -> datetime | None:
    """The first posting slot after ``after`` with no post of the organisation at that time."""
    slots = list(PostingSlot.objects.filter(organization=org))
    if not slots:
        return None
    tz = ZoneInfo(org.timezone)
    start = after.astimezone(tz)
    taken = set(
        Post.objects.filter(
            organization=org,
            status=PostStatus.SCHEDULED,
            scheduled_at__gte=after,
            scheduled_at__lt=after + timedelta(weeks=weeks),
        ).values_list("scheduled_at", flat=True)
    )
    for offset in range(weeks * 7 + 1):
        day = (start + timedelta(days=offset)).date()
        for slot in sorted((s for s in slots if s.weekday == day.weekday()), key=lambda s: s.time):
            when = datetime.combine(day, slot.time, tzinfo=tz)
            if when > after and when not in taken:
                return when
    return None


@transaction.atomic
def do_queue_post(post: Post, *, acting_user: User) -> Post:
    """Schedule the post at the next free posting slot."""
    when = next_free_slot(post.organization, timezone.now())
    if when is None:
        raise ActionError(_("No free posting slot: add slots to the calendar first."))
    return do_schedule_post(post, when=when, acting_user=acting_user)


@transaction.atomic
def do_reschedule_post(post: Post, *, when: datetime, acting_user: User) -> Post:
    """Move a scheduled post (dragged on the calendar) to another time."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.status != PostStatus.SCHEDULED:
        raise ActionError(_("Only a scheduled post can be moved."))
    _check_schedulable(post, when)
    before = _summary(post)
    post.scheduled_at = when
    post.save(update_fields=["scheduled_at", "updated_at"])
    record_event(
        "post.rescheduled",
        actor=acting_user,
        organization=post.organization,
        target=post,
        before=before,
        after=_summary(post),
    )
    return post
