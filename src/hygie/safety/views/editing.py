"""Changing a safety case: take it, assess it, follow up, acknowledge, link, forward, close."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.inbox.actions import first_attempt
from hygie.safety import actions, forms
from hygie.safety.models import Criterion, SafetyAckTemplate, SafetyCase
from hygie.safety.views._common import _back, _case, _detail_context, _run


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_take(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    _run(
        request,
        _("You are in charge of this case."),
        lambda: actions.do_take_case(case, acting_user=request.user),
    )
    return _back(request, case)


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_criterion(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    criterion = request.POST.get("criterion", "")
    decision = request.POST.get("decision", "")
    present = {"met": True, "not_met": False, "reset": None}
    if criterion not in Criterion.values or decision not in present:
        messages.error(request, _("Choose a criterion and a decision."))
    else:
        _run(
            request,
            "",
            lambda: actions.do_confirm_criterion(
                case,
                criterion,
                present=present[decision],
                note=request.POST.get("note", "")[:500],
                acting_user=request.user,
            ),
        )
    return _back(request, case, f"criterion-{criterion}")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_seriousness(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.SeriousnessForm(request.POST)
    if form.is_valid():
        _run(
            request,
            _("Seriousness saved."),
            lambda: actions.do_set_seriousness(
                case, criteria=form.cleaned_data["seriousness"], acting_user=request.user
            ),
        )
    else:
        messages.error(request, _("Unknown seriousness criterion."))
    return _back(request, case, "seriousness")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_details(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.DetailsForm(request.POST)
    products = forms.ProductFormSet(request.POST, prefix="products")
    reactions = forms.ReactionFormSet(request.POST, prefix="reactions")
    if form.is_valid() and products.is_valid() and reactions.is_valid():
        data = dict(form.cleaned_data)
        data["products"] = [f.cleaned_data for f in products.forms if f.cleaned_data]
        data["reactions"] = [f.cleaned_data for f in reactions.forms if f.cleaned_data]
        if _run(
            request,
            _("Details saved."),
            lambda: actions.do_update_case_details(case, data=data, acting_user=request.user),
        ):
            return _back(request, case, "details")
    context = _detail_context(
        request,
        case,
        details_form=form,
        products_formset=products,
        reactions_formset=reactions,
        details_error=True,
    )
    return render(request, "safety/detail.html", context, status=400)


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_follow_up(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.FollowUpForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, case, follow_up_form=form)
        return render(request, "safety/detail.html", context, status=400)
    data = form.cleaned_data
    _run(
        request,
        _("Follow-up logged."),
        lambda: actions.do_add_follow_up(
            case,
            channel=data["channel"],
            outcome=data["outcome"],
            text=data["text"],
            at=data["at"],
            acting_user=request.user,
        ),
    )
    return _back(request, case, "follow-ups")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_acknowledge(request: OrgRequest, case_id: int) -> HttpResponse:
    from hygie.inbox.tasks import send_reply_attempt

    case = _case(request, case_id)
    form = forms.AcknowledgementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the conversation continues in private."))
        return _back(request, case, "acknowledgement")
    chosen = form.cleaned_data["template"]
    template: SafetyAckTemplate | None = None
    if chosen.isdigit():
        template = access_scoped(SafetyAckTemplate.objects.all(), request, int(chosen))
    try:
        reply = actions.do_send_acknowledgement(
            case,
            template=template,
            private_channel=form.cleaned_data["private_channel"],
            send_from_hygie=form.cleaned_data["mode"] == "hygie",
            acting_user=request.user,
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return _back(request, case, "acknowledgement")
    if reply is not None:
        attempt = first_attempt(reply)
        transaction.on_commit(lambda: send_reply_attempt.delay(attempt.pk))
        messages.success(
            request, _("Sending the acknowledgement on %(ch)s.") % {"ch": reply.channel}
        )
    else:
        messages.success(request, _("Acknowledgement recorded."))
    return _back(request, case, "acknowledgement")


def _other(request: OrgRequest, case: SafetyCase) -> SafetyCase | None:
    """The case named in the form, by id or by reference, of the same organisation."""
    value = request.POST.get("other", "").strip()[:32]
    scoped = SafetyCase.objects.filter(organization=request.org)
    if value.isdigit():
        return access_scoped(scoped, request, int(value))
    return scoped.filter(reference__iexact=value).first() if value else None


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_link(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    other = _other(request, case)
    if other is None:
        messages.error(request, _("No case has this reference."))
    else:
        _run(
            request,
            _("Linked with %(ref)s.") % {"ref": other.reference},
            lambda: actions.do_link_duplicate(
                case, other, note=request.POST.get("note", "")[:500], acting_user=request.user
            ),
        )
    return _back(request, case, "duplicates")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_unlink(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    other = _other(request, case)
    if other is not None:
        _run(
            request,
            _("Link removed."),
            lambda: actions.do_unlink_duplicate(case, other, acting_user=request.user),
        )
    return _back(request, case, "duplicates")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_forward(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.ForwardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say where the case was forwarded."))
    else:
        _run(
            request,
            _("Case forwarded."),
            lambda: actions.do_forward_case(
                case,
                forwarded_to=form.cleaned_data["forwarded_to"],
                reference=form.cleaned_data["reference"],
                acting_user=request.user,
            ),
        )
    return _back(request, case, "status")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_close(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the reason for closing."))
    else:
        _run(
            request,
            _("Case closed."),
            lambda: actions.do_close_case(
                case,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            ),
        )
    return _back(request, case, "status")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_reopen(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the case is reopened."))
    else:
        _run(
            request,
            _("Case reopened."),
            lambda: actions.do_reopen_case(
                case, reason=form.cleaned_data["reason"], acting_user=request.user
            ),
        )
    return _back(request, case, "status")
