"""The organisation's products (master data for the compliance checks) and the BDPM in force."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm
from hygie.compliance.rules.catalog import PRODUCT_STATUSES
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.products import actions
from hygie.products.dictionary import dictionary_status, effective_statuses, product_lexicon
from hygie.products.forms import OrgProductForm, status_label
from hygie.products.models import OrgProduct


@org_view(Perm.POSTS_VIEW)
@require_safe
def product_list(request: OrgRequest) -> HttpResponse:
    products = list(
        OrgProduct.objects.filter(organization=request.org, is_active=True).order_by("name")[:500]
    )
    lexicon = product_lexicon() if products else None
    today = timezone.localdate()
    rows = []
    for product in products:
        own = set(product.statuses)
        statuses = effective_statuses(product, lexicon)
        rows.append(
            {
                "product": product,
                # In the catalog's order; True marks a status taken from the BDPM.
                "statuses": [
                    (status_label(s), s not in own) for s in PRODUCT_STATUSES if s in statuses
                ],
                "visa_valid": product.visa_valid_on(today),
            }
        )
    return render(
        request,
        "products/list.html",
        {
            "rows": rows,
            "dictionary": dictionary_status(),
            "can_manage": request.membership.has_perm(Perm.ORG_MANAGE),
        },
    )


@org_view(Perm.ORG_MANAGE)
@require_http_methods(["GET", "POST"])
def product_new(request: OrgRequest) -> HttpResponse:
    form = OrgProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_org_product(
                request.org, data=form.cleaned_data, acting_user=request.user
            )
        except actions.ProductDataError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Product saved."))
            return redirect("products:list", org_slug=request.org.slug)
    return render(request, "products/edit.html", {"form": form, "product": None})


@org_view(Perm.ORG_MANAGE)
@require_http_methods(["GET", "POST"])
def product_edit(request: OrgRequest, product_id: int) -> HttpResponse:
    product = access_scoped(OrgProduct.objects.filter(is_active=True), request, product_id)
    form = OrgProductForm(request.POST or None, initial=OrgProductForm.initial_for(product))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_org_product(
                request.org, product=product, data=form.cleaned_data, acting_user=request.user
            )
        except actions.ProductDataError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Product saved."))
            return redirect("products:list", org_slug=request.org.slug)
    return render(request, "products/edit.html", {"form": form, "product": product})


@org_view(Perm.ORG_MANAGE)
@require_POST
def product_remove(request: OrgRequest, product_id: int) -> HttpResponse:
    product = access_scoped(OrgProduct.objects.filter(is_active=True), request, product_id)
    actions.do_remove_org_product(product, acting_user=request.user)
    messages.success(request, _("Product removed: it no longer counts in the checks."))
    return redirect("products:list", org_slug=request.org.slug)
