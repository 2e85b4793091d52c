"""The unified inbox: conversations from every channel, one page per conversation.

Views stay thin: parse, ``access_scoped``, call one action, answer. The list reads one page of
conversations with a keyset (``queries.page``) and a constant number of queries.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Membership, User
from hygie.accounts.roles import Perm
from hygie.channels.models import Channel, Network
from hygie.contacts.models import Contact
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.inbox import actions, presence, queries, replies
from hygie.inbox.models import (
    Author,
    Conversation,
    ConversationKind,
    ConversationStatus,
    Direction,
    InboxItem,
    InboxSettings,
    InternalNote,
    OutboundReply,
    ReplyStatus,
    SavedReply,
)
from hygie.moderation.state import states_for
from hygie.safety.models import SafetyCase

THREAD_LIMIT = 200  # messages shown on a conversation page (the most recent)
MERGE_CANDIDATES = 10


def _is_htmx(request: OrgRequest) -> bool:
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _to_conversation(
    request: OrgRequest, conversation: Conversation, anchor: str = ""
) -> HttpResponseRedirect:
    url = reverse(
        "inbox:conversation",
        kwargs={"org_slug": request.org.slug, "conversation_id": conversation.pk},
    )
    return HttpResponseRedirect(url + (f"#{anchor}" if anchor else ""))


# --- The list --------------------------------------------------------------------------------


@org_view(Perm.INBOX_VIEW)
@require_safe
def conversation_list(request: OrgRequest) -> HttpResponse:
    filters = queries.Filters.from_query(request.GET)
    rows, next_cursor = queries.page(request.org, request.user, filters)
    channels = list(Channel.objects.filter(organization=request.org).order_by("network", "name"))
    networks = sorted({c.network for c in channels})
    template = "inbox/_results.html" if _is_htmx(request) else "inbox/list.html"
    response = render(
        request,
        template,
        {
            "conversations": rows,
            "filters": filters,
            "next_query": filters.query(before=next_cursor) if next_cursor else "",
            "first_query": filters.query() if filters.before else None,
            "statuses": ConversationStatus.choices,
            "kinds": ConversationKind.choices,
            "channels": channels,
            "networks": [(n, Network(n).label) for n in networks],
            "can_reply": request.membership.has_perm(Perm.INBOX_REPLY),
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- One conversation ------------------------------------------------------------------------


def _thread(conversation: Conversation) -> tuple[list[tuple[str, Any]], bool]:
    """Messages (the most recent ``THREAD_LIMIT``) and internal notes, in time order."""
    items = list(
        conversation.items.select_related("author", "sent_by", "triage").order_by(
            "-received_at", "-id"
        )[: THREAD_LIMIT + 1]
    )
    truncated = len(items) > THREAD_LIMIT
    items = items[:THREAD_LIMIT][::-1]
    notes_qs = InternalNote.objects.filter(conversation=conversation).select_related("author")
    if truncated and items:
        notes_qs = notes_qs.filter(created_at__gte=items[0].received_at)
    notes = list(notes_qs.order_by("created_at")[:THREAD_LIMIT])
    entries = sorted(
        chain(
            (("item", i.received_at, i.pk, i) for i in items),
            (("note", n.created_at, n.pk, n) for n in notes),
        ),
        key=lambda e: (e[1], e[0] == "note", e[2]),
    )
    return [(kind, obj) for kind, _at, _pk, obj in entries], truncated


@org_view(Perm.INBOX_VIEW)
@require_safe
def conversation_detail(request: OrgRequest, conversation_id: int) -> HttpResponse:
    conversation = access_scoped(
        Conversation.objects.select_related(
            "channel", "assigned_to", "parent_target__post", "author"
        ),
        request,
        conversation_id,
    )
    entries, truncated = _thread(conversation)
    items = [obj for kind, obj in entries if kind == "item"]
    last_inbound = next((i for i in reversed(items) if i.direction == Direction.INBOUND), None)
    if last_inbound is None:
        last_inbound = (
            conversation.items.filter(direction=Direction.INBOUND)
            .order_by("-received_at", "-id")
            .first()
        )
    # Everyone who wrote in the thread, then the other accounts of the same people.
    authors: list[Author] = []
    for item in items:
        if item.author is not None and item.author not in authors:
            authors.append(item.author)
    person_ids = {a.person_id for a in authors if a.person_id}
    linked: dict[int, list[Author]] = {}
    persons: dict[int, Any] = {}
    if person_ids:
        for other in Author.objects.filter(person_id__in=person_ids).select_related("person"):
            assert other.person_id is not None  # noqa: S101  (filtered on it)
            persons[other.person_id] = other.person
            if other not in authors:
                linked.setdefault(other.person_id, []).append(other)
    contacts_by_id = {
        c.pk: c
        for c in Contact.objects.filter(
            organization=request.org, pk__in=[a.contact_id for a in authors if a.contact_id]
        )
    }
    author_cards = [
        {
            "author": a,
            "person": persons.get(a.person_id) if a.person_id else None,
            "others": linked.get(a.person_id, []) if a.person_id else [],
            "contact": contacts_by_id.get(a.contact_id) if a.contact_id else None,
        }
        for a in authors[:10]
    ]
    can_reply = request.membership.has_perm(Perm.INBOX_REPLY)
    merge_for = request.GET.get("merge_for", "")
    merge_q = request.GET.get("merge_q", "").strip()[:100]
    candidates: list[Author] = []
    if can_reply and merge_q and merge_for.isdigit():
        candidates = list(
            Author.objects.filter(organization=request.org)
            .filter(
                Q(display_name__icontains=merge_q)
                | Q(handle__icontains=merge_q)
                | Q(external_id__icontains=merge_q)
            )
            .exclude(pk=int(merge_for))
            .order_by("display_name")[:MERGE_CANDIDATES]
        )
    cases: dict[int, list[SafetyCase]] = {}
    for case in SafetyCase.objects.filter(
        organization=request.org, source_item__conversation=conversation
    ):
        assert case.source_item_id is not None  # noqa: S101  (filtered on it)
        cases.setdefault(case.source_item_id, []).append(case)
    thread = [(kind, obj, cases.get(obj.pk, []) if kind == "item" else []) for kind, obj in entries]
    reply_text, reply_error = "", ""
    # A reply the last POST could not send comes back with its text and the reason.
    draft = request.session.pop(_draft_key(conversation.pk), None) if can_reply else None
    if isinstance(draft, dict):
        reply_text, reply_error = str(draft.get("text", "")), str(draft.get("error", ""))
    saved = request.GET.get("saved_reply", "")
    if can_reply and saved.isdigit():
        reply = SavedReply.objects.filter(organization=request.org, pk=int(saved)).first()
        if reply is not None:
            try:
                reply_text = actions.render_saved_reply(reply, conversation, member=request.user)
            except replies.UnknownVariableError as error:
                reply_error = str(error)
    members = (
        Membership.objects.filter(organization=request.org, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
        if can_reply
        else []
    )
    return render(
        request,
        "inbox/conversation.html",
        {
            "conversation": conversation,
            "thread": thread,
            "truncated": truncated,
            "last_inbound": last_inbound,
            "author_cards": author_cards,
            "merge_for": int(merge_for) if merge_for.isdigit() else None,
            "merge_q": merge_q,
            "candidates": candidates,
            "statuses": ConversationStatus.choices,
            "members": [m.user for m in members],
            "can_reply": can_reply,
            "can_report": request.membership.has_perm(Perm.SAFETY_REPORT),
            "can_see_cases": request.membership.has_perm(Perm.SAFETY_VIEW),
            "saved_replies": SavedReply.objects.filter(organization=request.org).only("title")
            if can_reply
            else [],
            "reply_text": reply_text,
            "reply_error": reply_error,
            "reply_needs": draft.get("needs", "") if isinstance(draft, dict) else "",
            "open_reply": bool(request.GET.get("reply")) or bool(saved) or bool(draft),
            **_sending_context(conversation, last_inbound, can_reply),
            "others_replying": presence.others_replying(conversation.pk, request.user),
            # Only the messages shown: a long thread must not load its whole history.
            "moderation_states": states_for([obj for kind, obj in entries if kind == "item"])
            if can_reply
            else {},
            "contacts": Contact.objects.filter(organization=request.org).only("name")[:300]
            if can_reply
            else [],
            "refresh_seconds": presence.REFRESH_SECONDS,
        },
    )


def _answer(request: OrgRequest, conversation: Conversation, done: str) -> HttpResponse:
    """The list's row after a keyboard action (htmx), or back to the conversation."""
    if _is_htmx(request):
        conversation = Conversation.objects.select_related("channel", "assigned_to").get(
            pk=conversation.pk
        )
        response = render(
            request, "inbox/_row.html", {"c": conversation, "can_reply": True, "announce": done}
        )
        return response
    messages.success(request, done)
    return _to_conversation(request, conversation)


@org_view(Perm.INBOX_REPLY)
@require_POST
def conversation_status(request: OrgRequest, conversation_id: int) -> HttpResponse:
    conversation = access_scoped(Conversation.objects.all(), request, conversation_id)
    status = request.POST.get("status", "")
    if status not in ConversationStatus.values:
        if _is_htmx(request):
            return HttpResponseBadRequest(_("Unknown status."))
        messages.error(request, _("Unknown status."))
        return _to_conversation(request, conversation)
    conversation = actions.do_set_conversation_status(
        conversation, status=status, acting_user=request.user
    )
    return _answer(
        request,
        conversation,
        _("Status: %(status)s.") % {"status": conversation.get_status_display()},
    )


@org_view(Perm.INBOX_REPLY)
@require_POST
def conversation_assign(request: OrgRequest, conversation_id: int) -> HttpResponse:
    conversation = access_scoped(Conversation.objects.all(), request, conversation_id)
    value = request.POST.get("assignee", "me")
    assignee: User | None
    if value == "me":
        assignee = request.user
    elif value == "":
        assignee = None
    elif value.isdigit():
        membership = (
            Membership.objects.filter(organization=request.org, is_active=True, user_id=int(value))
            .select_related("user")
            .first()
        )
        if membership is None:
            messages.error(request, _("Only a member of the organisation can be assigned."))
            return _to_conversation(request, conversation)
        assignee = membership.user
    else:
        return HttpResponseBadRequest(_("Unknown member."))
    try:
        conversation = actions.do_assign_conversation(
            conversation, assignee=assignee, acting_user=request.user
        )
    except ActionError as error:
        messages.error(request, str(error))
        return _to_conversation(request, conversation)
    done = (
        _("Assigned to %(name)s.") % {"name": assignee.get_full_name() or assignee.email}
        if assignee is not None
        else _("Nobody is assigned.")
    )
    return _answer(request, conversation, done)


@org_view(Perm.INBOX_REPLY)
@require_POST
def conversation_note(request: OrgRequest, conversation_id: int) -> HttpResponse:
    conversation = access_scoped(Conversation.objects.all(), request, conversation_id)
    try:
        note = actions.do_add_note(
            conversation, text=request.POST.get("text", ""), acting_user=request.user
        )
    except ActionError as error:
        messages.error(request, str(error))
        return _to_conversation(request, conversation, "note-form")
    return _to_conversation(request, conversation, f"note-{note.pk}")


@org_view(Perm.INBOX_REPLY)
@require_POST
def conversation_presence(request: OrgRequest, conversation_id: int) -> HttpResponse:
    """The reply box is open (or was closed): refresh my mark, show who else is writing."""
    conversation = access_scoped(Conversation.objects.only("pk"), request, conversation_id)
    if request.POST.get("open", "1") == "0":
        presence.stop_replying(conversation.pk, request.user)
    else:
        presence.mark_replying(conversation.pk, request.user)
    return render(
        request,
        "inbox/_presence.html",
        {"others_replying": presence.others_replying(conversation.pk, request.user)},
    )


@org_view(Perm.INBOX_REPLY)
@require_safe
def saved_reply_render(request: OrgRequest, conversation_id: int) -> HttpResponse:
    """A saved reply's text for this conversation (plain text, inserted by the reply box)."""
    conversation = access_scoped(
        Conversation.objects.select_related("organization"), request, conversation_id
    )
    reply = access_scoped(SavedReply.objects.all(), request, request.GET.get("reply", ""))
    try:
        text = actions.render_saved_reply(reply, conversation, member=request.user)
    except replies.UnknownVariableError as error:
        return HttpResponse(str(error), status=422, content_type="text/plain; charset=utf-8")
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


# --- Authors ---------------------------------------------------------------------------------


@org_view(Perm.INBOX_REPLY)
@require_POST
def author_merge(request: OrgRequest, conversation_id: int, author_id: int) -> HttpResponse:
    conversation = access_scoped(Conversation.objects.all(), request, conversation_id)
    author = access_scoped(Author.objects.select_related("person"), request, author_id)
    other = access_scoped(
        Author.objects.select_related("person"), request, request.POST.get("other", "")
    )
    try:
        actions.do_merge_authors(author, other, acting_user=request.user)
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(a)s and %(b)s are now the same person.")
            % {"a": author.display_name, "b": other.display_name},
        )
    return _to_conversation(request, conversation, f"author-{author.pk}")


@org_view(Perm.INBOX_REPLY)
@require_POST
def author_unmerge(request: OrgRequest, conversation_id: int, author_id: int) -> HttpResponse:
    conversation = access_scoped(Conversation.objects.all(), request, conversation_id)
    author = access_scoped(Author.objects.select_related("person"), request, author_id)
    try:
        actions.do_unmerge_author(author, acting_user=request.user)
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(a)s is no longer merged.") % {"a": author.display_name})
    return _to_conversation(request, conversation, f"author-{author.pk}")


@org_view(Perm.INBOX_REPLY)
@require_POST
def author_contact(request: OrgRequest, conversation_id: int, author_id: int) -> HttpResponse:
    conversation = access_scoped(Conversation.objects.all(), request, conversation_id)
    author = access_scoped(Author.objects.all(), request, author_id)
    value = request.POST.get("contact", "")
    contact = access_scoped(Contact.objects.all(), request, value) if value else None
    actions.do_link_author_contact(author, contact=contact, acting_user=request.user)
    messages.success(request, _("Contact link saved."))
    return _to_conversation(request, conversation, f"author-{author.pk}")


# --- Saved replies ---------------------------------------------------------------------------


class SavedReplyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Variables: {author_name}, {first_name}, {organization}, {member_name}."
        ),
    )


def _save_reply_form(
    request: OrgRequest, form: SavedReplyForm, reply: SavedReply | None
) -> HttpResponse | None:
    if not form.is_valid():
        return None
    try:
        if reply is None:
            actions.do_create_saved_reply(
                request.org, data=form.cleaned_data, acting_user=request.user
            )
        else:
            actions.do_update_saved_reply(reply, data=form.cleaned_data, acting_user=request.user)
    except ActionError as error:
        form.add_error(None, str(error))
        return None
    messages.success(request, _("Saved reply saved."))
    return redirect("inbox:saved_replies", org_slug=request.org.slug)


@org_view(Perm.INBOX_VIEW)
@require_http_methods(["GET", "HEAD", "POST"])
def saved_reply_list(request: OrgRequest) -> HttpResponse:
    can_manage = request.membership.has_perm(Perm.INBOX_REPLY)
    form = SavedReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_manage:
            return HttpResponse(status=403)
        done = _save_reply_form(request, form, None)
        if done is not None:
            return done
    return render(
        request,
        "inbox/saved_replies.html",
        {
            "saved_replies": SavedReply.objects.filter(organization=request.org),
            "form": form,
            "can_manage": can_manage,
            "variables": replies.VARIABLES,
        },
    )


@org_view(Perm.INBOX_REPLY)
@require_http_methods(["GET", "HEAD", "POST"])
def saved_reply_edit(request: OrgRequest, reply_id: int) -> HttpResponse:
    reply = access_scoped(SavedReply.objects.all(), request, reply_id)
    form = SavedReplyForm(
        request.POST if request.method == "POST" else None,
        initial={"title": reply.title, "body": reply.body},
    )
    if request.method == "POST":
        done = _save_reply_form(request, form, reply)
        if done is not None:
            return done
    return render(request, "inbox/saved_reply_edit.html", {"form": form, "reply": reply})


@org_view(Perm.INBOX_REPLY)
@require_POST
def saved_reply_delete(request: OrgRequest, reply_id: int) -> HttpResponse:
    reply = access_scoped(SavedReply.objects.all(), request, reply_id)
    actions.do_delete_saved_reply(reply, acting_user=request.user)
    messages.success(request, _("Saved reply deleted."))
    return redirect("inbox:saved_replies", org_slug=request.org.slug)


# --- Settings --------------------------------------------------------------------------------


class InboxSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = InboxSettings
        fields = list(actions.SETTINGS_FIELDS)
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


@org_view(Perm.ORG_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def inbox_settings(request: OrgRequest) -> HttpResponse:
    current = actions.settings_for(request.org)
    form = InboxSettingsForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_inbox_settings(
                request.org, data=form.cleaned_data, acting_user=request.user
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Inbox settings saved."))
            return redirect("inbox:settings", org_slug=request.org.slug)
    return render(request, "inbox/settings.html", {"form": form})


# --- Single messages (earlier addresses) -----------------------------------------------------


@org_view(Perm.INBOX_VIEW)
@require_safe
def item_detail(request: OrgRequest, item_id: int) -> HttpResponse:
    item = access_scoped(InboxItem.objects.select_related("conversation"), request, item_id)
    return _to_conversation(request, item.conversation, f"item-{item.pk}")


@org_view(Perm.INBOX_REPLY)
@require_POST
def item_status(request: OrgRequest, item_id: int) -> HttpResponse:
    item = access_scoped(InboxItem.objects.select_related("conversation"), request, item_id)
    status = request.POST.get("status", "")
    if status not in ConversationStatus.values:
        messages.error(request, _("Unknown status."))
    else:
        actions.do_set_conversation_status(
            item.conversation, status=status, acting_user=request.user
        )
    return _to_conversation(request, item.conversation, f"item-{item.pk}")


@org_view(Perm.INBOX_REPLY)
@require_POST
def item_assign_me(request: OrgRequest, item_id: int) -> HttpResponse:
    item = access_scoped(InboxItem.objects.select_related("conversation"), request, item_id)
    actions.do_assign_conversation(
        item.conversation, assignee=request.user, acting_user=request.user
    )
    return _to_conversation(request, item.conversation, f"item-{item.pk}")


# --- Sending replies -------------------------------------------------------------------------


def _draft_key(conversation_id: int) -> str:
    return f"hygie_reply_draft_{conversation_id}"


def _sending_context(
    conversation: Conversation, last_inbound: InboxItem | None, can_reply: bool
) -> dict[str, Any]:
    """What the reply box shows about sending: why Hygie cannot send, the WhatsApp template
    that goes instead of the text, and the replies not sent yet (sending, failed, unconfirmed)."""
    if not can_reply:
        return {"pending_replies": []}
    refusal = actions.reply_refusal(conversation.channel, last_inbound) if last_inbound else ""
    template = ""
    if not refusal and actions.whatsapp_window_closed(conversation):
        template = actions.settings_for(conversation.organization).whatsapp_template
        if not template:
            refusal = _(
                "More than 24 hours have passed since this person last wrote: WhatsApp only "
                "delivers a template now, and none is chosen in the inbox settings."
            )
    pending = (
        conversation.outbound_replies.exclude(status=ReplyStatus.SENT)
        .select_related("sent_by")
        .prefetch_related("attempts")
        .order_by("created_at", "id")
    )
    return {"send_refusal": refusal, "whatsapp_template": template, "pending_replies": pending}


@org_view(Perm.INBOX_REPLY)
@require_POST
def conversation_reply(request: OrgRequest, conversation_id: int) -> HttpResponse:
    """Send a reply: checked and written by ``do_send_reply``, sent by a worker."""
    from hygie.inbox.tasks import send_reply_attempt

    conversation = access_scoped(
        Conversation.objects.select_related("channel"), request, conversation_id
    )
    text = request.POST.get("text", "")[: actions.MAX_REPLY + 1]
    item_id = request.POST.get("in_reply_to", "")
    item = (
        conversation.items.filter(pk=int(item_id), direction=Direction.INBOUND).first()
        if item_id.isdigit()
        else None
    )
    try:
        if item is None:
            raise actions.ReplyRefused(_("Choose the message to answer."))
        reply = actions.do_send_reply(
            conversation,
            text=text,
            in_reply_to=item,
            acting_user=request.user,
            acknowledged_findings=request.POST.get("acknowledged") == "1",
            confirm_collision=request.POST.get("confirm_collision") == "1",
        )
    except actions.ReplyRefused as refused:
        request.session[_draft_key(conversation.pk)] = {
            "text": text,
            "error": str(refused),
            "needs": refused.needs,
        }
        return _to_conversation(request, conversation, "reply-area")
    attempt = actions.first_attempt(reply)
    transaction.on_commit(lambda: send_reply_attempt.delay(attempt.pk))
    presence.stop_replying(conversation.pk, request.user)
    messages.success(
        request, _("Sending the reply on %(channel)s.") % {"channel": conversation.channel}
    )
    return _to_conversation(request, conversation, f"outbound-{reply.pk}")


def _pending_reply(request: OrgRequest, conversation_id: int) -> tuple[Conversation, OutboundReply]:
    conversation = access_scoped(Conversation.objects.all(), request, conversation_id)
    reply_id = request.POST.get("reply", "")
    reply = (
        conversation.outbound_replies.filter(pk=int(reply_id)).first()
        if reply_id.isdigit()
        else None
    )
    if reply is None:
        raise Http404
    return conversation, reply


@org_view(Perm.INBOX_REPLY)
@require_POST
def reply_retry(request: OrgRequest, conversation_id: int) -> HttpResponse:
    """Send again a reply that failed or is unconfirmed (a new attempt, a new key)."""
    from hygie.inbox.tasks import send_reply_attempt

    conversation, reply = _pending_reply(request, conversation_id)
    try:
        attempt = actions.do_retry_reply(reply, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        transaction.on_commit(lambda: send_reply_attempt.delay(attempt.pk))
        messages.success(request, _("Sending the reply again."))
    return _to_conversation(request, conversation, f"outbound-{reply.pk}")


@org_view(Perm.INBOX_REPLY)
@require_POST
def reply_confirm(request: OrgRequest, conversation_id: int) -> HttpResponse:
    """A member checked the network: the unconfirmed reply is there."""
    conversation, reply = _pending_reply(request, conversation_id)
    url = request.POST.get("url", "").strip()
    try:
        if url:
            URLValidator(schemes=["https"])(url)
        actions.do_confirm_reply_sent(reply, url=url, acting_user=request.user)
    except ValidationError:
        messages.error(request, _("Paste the https:// address of the reply, or leave it empty."))
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Marked as sent."))
    return _to_conversation(request, conversation, f"outbound-{reply.pk}")
