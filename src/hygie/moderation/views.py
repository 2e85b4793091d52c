"""The moderation queue, the evidence, the item actions and the rules.

Views stay thin: parse, ``access_scoped``, call one action, answer. Reviewing the queue and
acting on messages needs ``inbox.reply`` (the members who answer the public); writing rules
needs ``org.manage``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm
from hygie.channels.models import Channel
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.inbox.models import InboxItem, ItemKind
from hygie.moderation import actions
from hygie.moderation.models import (
    Evidence,
    MatchKind,
    ModerationLog,
    ModerationRule,
    QueueEntry,
    QueueStatus,
    RuleAction,
)
from hygie.moderation.state import states_for
from hygie.providers.inbound import ModerationAction

PAGE_SIZE = 50
REASON_KINDS = ("rule", "classifier")


# --- The queue -------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@org_view(Perm.INBOX_REPLY)
@require_safe
def queue(request: OrgRequest) -> HttpResponse:
    status = request.GET.get("status", QueueStatus.PENDING)
    if status != "all" and status not in QueueStatus.values:
        status = QueueStatus.PENDING
    channel_id = _int(request.GET.get("channel"))
    rule_id = _int(request.GET.get("rule"))
    reason = request.GET.get("reason", "")
    before = _int(request.GET.get("before"))
    entries_qs = QueueEntry.objects.filter(organization=request.org).select_related(
        "item__channel", "item__author", "evidence", "rule", "decided_by"
    )
    if status != "all":
        entries_qs = entries_qs.filter(status=status)
    if channel_id is not None:
        entries_qs = entries_qs.filter(item__channel_id=channel_id)
    if rule_id is not None:
        entries_qs = entries_qs.filter(rule_id=rule_id)
    if reason in REASON_KINDS:
        entries_qs = entries_qs.filter(reason__startswith=f"{reason}:")
    if before is not None:
        entries_qs = entries_qs.filter(pk__lt=before)
    entries = list(entries_qs.order_by("-id")[: PAGE_SIZE + 1])
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    filters = {
        "status": status,
        "channel": str(channel_id or ""),
        "rule": str(rule_id or ""),
        "reason": reason if reason in REASON_KINDS else "",
    }
    next_query = ""
    if more and entries:
        kept = {key: value for key, value in filters.items() if value}
        next_query = urlencode({**kept, "before": entries[-1].pk})
    return render(
        request,
        "moderation/queue.html",
        {
            "entries": entries,
            "moderation_states": states_for(entry.item for entry in entries),
            "filters": filters,
            "next_query": next_query,
            "statuses": QueueStatus.choices,
            "channels": Channel.objects.filter(organization=request.org).order_by(
                "network", "name"
            ),
            "rules": ModerationRule.objects.filter(organization=request.org),
            "can_manage_rules": request.membership.has_perm(Perm.ORG_MANAGE),
        },
    )


def _back(request: OrgRequest, default: str) -> HttpResponseRedirect:
    """To ``next`` when it is a page of this site, else to ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


def _queue_url(request: OrgRequest) -> str:
    return reverse("moderation:queue", kwargs={"org_slug": request.org.slug})


@org_view(Perm.INBOX_REPLY)
@require_POST
def entry_confirm(request: OrgRequest, entry_id: int) -> HttpResponse:
    entry = access_scoped(QueueEntry.objects.all(), request, entry_id)
    try:
        actions.do_confirm(entry, acting_user=request.user, note=request.POST.get("note", ""))
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decision recorded: the message stays as it is."))
    return _back(request, _queue_url(request))


@org_view(Perm.INBOX_REPLY)
@require_POST
def entry_restore(request: OrgRequest, entry_id: int) -> HttpResponse:
    entry = access_scoped(QueueEntry.objects.all(), request, entry_id)
    try:
        entry = actions.do_restore(
            entry, acting_user=request.user, note=request.POST.get("note", "")
        )
    except ActionError as error:
        messages.error(request, str(error))
    else:
        if entry.action_taken == RuleAction.DELETE:
            messages.warning(
                request,
                _("Decision recorded. The message was deleted on the network: it cannot return."),
            )
        else:
            messages.success(request, _("Message restored."))
    return _back(request, _queue_url(request))


DONE_MESSAGES = {
    ModerationAction.HIDE: gettext_lazy("Message hidden on the network. The original is kept."),
    ModerationAction.UNHIDE: gettext_lazy("Message shown again on the network."),
    ModerationAction.DELETE: gettext_lazy("Message deleted on the network. The original is kept."),
    ModerationAction.BLOCK: gettext_lazy("Author blocked."),
}


@org_view(Perm.INBOX_REPLY)
@require_POST
def item_moderate(request: OrgRequest, item_id: int) -> HttpResponse:
    item = access_scoped(InboxItem.objects.all(), request, item_id)
    try:
        action = ModerationAction(request.POST.get("action", ""))
    except ValueError:
        return HttpResponseBadRequest("unknown action")
    try:
        actions.do_moderate(item, action, acting_user=request.user)
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, str(DONE_MESSAGES[action]))
    conversation = reverse(
        "inbox:conversation",
        kwargs={"org_slug": request.org.slug, "conversation_id": item.conversation_id},
    )
    return _back(request, f"{conversation}#item-{item.pk}")


@org_view(Perm.INBOX_REPLY)
@require_safe
def evidence_detail(request: OrgRequest, evidence_id: int) -> HttpResponse:
    evidence = access_scoped(
        Evidence.objects.select_related("item", "taken_by"), request, evidence_id
    )
    logs = (
        ModerationLog.objects.filter(organization=request.org, evidence=evidence)
        .select_related("requested_by")
        .order_by("id")
    )
    entries = QueueEntry.objects.filter(organization=request.org, evidence=evidence).order_by("id")
    return render(
        request,
        "moderation/evidence.html",
        {
            "evidence": evidence,
            "intact": actions.evidence_intact(evidence),
            "logs": logs,
            "entries": entries,
        },
    )


# --- Rules -----------------------------------------------------------------------------------


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    match_kind = forms.ChoiceField(
        label=gettext_lazy("Match"), choices=MatchKind.choices, initial=MatchKind.WORDS
    )
    pattern = forms.CharField(
        label=gettext_lazy("Words or expression"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Words: one word or phrase per line; case, accents and punctuation do not matter, "
            "whole words only. Regular expression: one expression, case ignored."
        ),
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Then"), choices=RuleAction.choices, initial=RuleAction.HIDE
    )
    channels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Channels (none: all)"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Kinds of message (none: all)"),
        choices=ItemKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channels"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101  (declared above)
        field.queryset = Channel.objects.filter(organization=org).order_by("network", "name")


def _save_rule(
    request: OrgRequest, form: RuleForm, rule: ModerationRule | None
) -> HttpResponse | None:
    if not form.is_valid():
        return None
    data = {**form.cleaned_data, "channels": list(form.cleaned_data["channels"])}
    try:
        if rule is None:
            actions.do_create_rule(request.org, data=data, acting_user=request.user)
        else:
            actions.do_update_rule(rule, data=data, acting_user=request.user)
    except ActionError as error:
        form.add_error(None, str(error))
        return None
    messages.success(request, _("Moderation rule saved."))
    return redirect("moderation:rules", org_slug=request.org.slug)


@org_view(Perm.INBOX_REPLY)
@require_http_methods(["GET", "HEAD", "POST"])
def rule_list(request: OrgRequest) -> HttpResponse:
    can_manage = request.membership.has_perm(Perm.ORG_MANAGE)
    if request.method == "POST" and not can_manage:
        return HttpResponse(status=403)
    form = RuleForm(request.POST if request.method == "POST" else None, org=request.org)
    if request.method == "POST":
        done = _save_rule(request, form, None)
        if done is not None:
            return done
    return render(
        request,
        "moderation/rules.html",
        {
            "rules": ModerationRule.objects.filter(organization=request.org).prefetch_related(
                "channels"
            ),
            "form": form,
            "can_manage": can_manage,
            "kind_labels": dict(ItemKind.choices),
        },
    )


@org_view(Perm.ORG_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def rule_edit(request: OrgRequest, rule_id: int) -> HttpResponse:
    rule = access_scoped(ModerationRule.objects.all(), request, rule_id)
    form = RuleForm(
        request.POST if request.method == "POST" else None,
        org=request.org,
        initial={
            "name": rule.name,
            "match_kind": rule.match_kind,
            "pattern": rule.pattern,
            "action": rule.action,
            "channels": list(rule.channels.all()),
            "kinds": list(rule.kinds),
            "is_active": rule.is_active,
        },
    )
    if request.method == "POST":
        done = _save_rule(request, form, rule)
        if done is not None:
            return done
    return render(request, "moderation/rule_edit.html", {"form": form, "rule": rule})


@org_view(Perm.ORG_MANAGE)
@require_POST
def rule_delete(request: OrgRequest, rule_id: int) -> HttpResponse:
    rule = access_scoped(ModerationRule.objects.all(), request, rule_id)
    actions.do_delete_rule(rule, acting_user=request.user)
    messages.success(request, _("Moderation rule deleted."))
    return redirect("moderation:rules", org_slug=request.org.slug)
