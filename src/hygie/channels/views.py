"""The organisation's connected accounts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hygie.accounts.roles import Perm
from hygie.channels import actions
from hygie.channels.models import Channel, ChannelStatus
from hygie.core.access import OrgRequest, access_scoped, org_view


@org_view(Perm.CHANNELS_VIEW)
@require_safe
def channel_list(request: OrgRequest) -> HttpResponse:
    channels = Channel.objects.filter(organization=request.org).order_by("network", "name")
    return render(
        request,
        "channels/list.html",
        {"channels": channels, "can_manage": request.membership.has_perm(Perm.CHANNELS_MANAGE)},
    )


@org_view(Perm.CHANNELS_MANAGE)
@require_POST
def channel_status(request: OrgRequest, channel_id: int) -> HttpResponse:
    channel = access_scoped(Channel.objects.all(), request, channel_id)
    status = request.POST.get("status", "")
    if status not in (ChannelStatus.ACTIVE, ChannelStatus.DISABLED):
        messages.error(request, _("Unknown status."))
    else:
        actions.do_set_channel_status(channel, status=status, acting_user=request.user)
        messages.success(request, _("Channel updated."))
    return redirect("channels:list", org_slug=request.org.slug)
