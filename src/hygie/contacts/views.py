"""The register of opinion leaders, associations and other contacts."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from hygie.accounts.roles import Perm
from hygie.contacts import actions
from hygie.contacts.models import Contact, ContactKind
from hygie.core.access import OrgRequest, access_scoped, org_view


class ContactForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Contact
        fields = list(actions.FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}


@org_view(Perm.CONTACTS_VIEW)
@require_safe
def contact_list(request: OrgRequest) -> HttpResponse:
    contacts = Contact.objects.filter(organization=request.org)
    kind = request.GET.get("kind", "")
    query = request.GET.get("q", "").strip()
    if kind in ContactKind.values:
        contacts = contacts.filter(kind=kind)
    if query:
        contacts = contacts.filter(
            Q(name__icontains=query) | Q(affiliation__icontains=query) | Q(handles__icontains=query)
        )
    return render(
        request,
        "contacts/list.html",
        {
            "contacts": contacts.order_by("name")[:500],
            "kind": kind,
            "q": query,
            "kinds": ContactKind.choices,
            "can_manage": request.membership.has_perm(Perm.CONTACTS_MANAGE),
        },
    )


@org_view(Perm.CONTACTS_MANAGE)
@require_http_methods(["GET", "POST"])
def contact_new(request: OrgRequest) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_create_contact(request.org, data=form.cleaned_data, acting_user=request.user)
        messages.success(request, _("Contact saved."))
        return redirect("contacts:list", org_slug=request.org.slug)
    return render(request, "contacts/edit.html", {"form": form, "contact": None})


@org_view(Perm.CONTACTS_MANAGE)
@require_http_methods(["GET", "POST"])
def contact_edit(request: OrgRequest, contact_id: int) -> HttpResponse:
    contact = access_scoped(Contact.objects.all(), request, contact_id)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        # Re-read the stored row: the bound form has already copied the new values onto it.
        stored = Contact.objects.get(pk=contact.pk)
        actions.do_update_contact(stored, data=form.cleaned_data, acting_user=request.user)
        messages.success(request, _("Contact saved."))
        return redirect("contacts:list", org_slug=request.org.slug)
    return render(request, "contacts/edit.html", {"form": form, "contact": contact})
