"""An organisation's own products: saving, removing, what the checker gets, the pages, and
isolation between organisations."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from tests.conftest import CANARY, login

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.compliance.checker.types import ProductInfo
from hygie.products.actions import (
    ProductDataError,
    do_import_bdpm,
    do_remove_org_product,
    do_save_org_product,
    status_categories,
)
from hygie.products.dictionary import org_products
from hygie.products.models import OrgProduct

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
#: A handful of real BDPM rows in the official encodings (see data/bdpm/README.md).
FIXTURE = Path(__file__).resolve().parent / "data" / "bdpm"


def product_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Calmadol",
        "category": "medicine",
        "synonyms": "calmadol 500\n#Calmadol",
        "inns": "paracétamol",
        "statuses": ["otc"],
        "indications": "Douleurs légères à modérées\n\n  Fièvre  ",
        "visa_gp": "",
        "visa_gp_expires": None,
    }
    data.update(overrides)
    return data


def form_data(**overrides: Any) -> dict[str, Any]:
    """The same values as a browser would post them."""
    return {k: v for k, v in product_data(**overrides).items() if v is not None}


# -- actions ----------------------------------------------------------------------------------


def test_a_product_is_created_edited_and_removed_with_an_audit_row_each(
    org_a: Organization, alice: User
) -> None:
    product = do_save_org_product(org_a, data=product_data(), acting_user=alice)
    assert product.synonyms == ["calmadol 500", "#Calmadol"]
    assert product.inns == ["paracétamol"]
    assert product.indications == "Douleurs légères à modérées\nFièvre"
    assert product.indication_list == ["Douleurs légères à modérées", "Fièvre"]
    do_save_org_product(
        org_a,
        product=product,
        data=product_data(statuses=["reimbursed", "otc"], inns=["paracétamol", "caféine"]),
        acting_user=alice,
    )
    product.refresh_from_db()
    assert product.statuses == ["otc", "reimbursed"]  # the catalog's order
    assert product.inns == ["paracétamol", "caféine"]
    do_remove_org_product(product, acting_user=alice)
    product.refresh_from_db()
    assert not product.is_active
    events = list(
        AuditEvent.objects.filter(target_type="products.orgproduct")
        .order_by("seq")
        .values_list("verb", "organization_id", "actor_id")
    )
    assert events == [
        ("org_product.created", org_a.pk, alice.pk),
        ("org_product.updated", org_a.pk, alice.pk),
        ("org_product.removed", org_a.pk, alice.pk),
    ]
    updated = AuditEvent.objects.get(verb="org_product.updated")
    assert updated.before is not None and updated.after is not None
    assert updated.before["statuses"] == ["otc"]
    assert updated.after["statuses"] == ["otc", "reimbursed"]
    with pytest.raises(ActionError, match="already removed"):
        do_remove_org_product(product, acting_user=alice)


def test_a_name_is_unique_in_the_organisation_and_a_removed_product_comes_back(
    org_a: Organization, org_b: Organization, alice: User, charlie: User
) -> None:
    product = do_save_org_product(org_a, data=product_data(), acting_user=alice)
    with pytest.raises(ProductDataError, match="already has a product named") as caught:
        do_save_org_product(org_a, data=product_data(name="CALMADOL"), acting_user=alice)
    assert caught.value.field == "name"
    # Another organisation may use the same name.
    do_save_org_product(org_b, data=product_data(), acting_user=charlie)
    do_remove_org_product(product, acting_user=alice)
    back = do_save_org_product(
        org_a, data=product_data(name="calmadol", statuses=[]), acting_user=alice
    )
    assert back.pk == product.pk
    assert back.is_active
    assert back.name == "calmadol"
    assert AuditEvent.objects.filter(verb="org_product.restored", target_id=str(back.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "needs a name"),
        ({"category": "spaceship"}, "category", "category"),
        ({"statuses": ["otc", "magic"]}, "statuses", "Unknown status: magic"),
        ({"statuses": ["liste_i", "otc"]}, "statuses", "both available without prescription"),
        ({"statuses": ["liste_i", "liste_ii"]}, "statuses", "one listing at most"),
        ({"statuses": ["low_risk_advertising_exempt"]}, "statuses", "do not apply"),
        ({"category": "cosmetic", "statuses": ["reimbursed"]}, "statuses", "do not apply"),
        ({"visa_gp": "24/01/60001234"}, "visa_gp_expires", "date until which the visa is valid"),
        ({"visa_gp_expires": TODAY}, "visa_gp", "Give the visa number"),
        (
            {"category": "cosmetic", "statuses": [], "visa_gp": "V1", "visa_gp_expires": TODAY},
            "visa_gp",
            "medicines only",
        ),
        (
            {"statuses": ["unauthorised"], "visa_gp": "V1", "visa_gp_expires": TODAY},
            "visa_gp",
            "cannot have a visa GP",
        ),
    ],
)
def test_invalid_product_data_is_refused_on_its_field(
    org_a: Organization, alice: User, overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ProductDataError, match=message) as caught:
        do_save_org_product(org_a, data=product_data(**overrides), acting_user=alice)
    assert caught.value.field == field
    assert not OrgProduct.objects.exists()


def test_status_categories_come_from_the_catalog_descriptions() -> None:
    assert status_categories("liste_i") == {"medicine"}
    assert status_categories("reimbursed") == {"medicine", "medical_device"}
    assert status_categories("prior_authorisation_required") == {"medical_device"}


def test_an_expired_visa_is_not_valid(org_a: Organization, alice: User) -> None:
    product = do_save_org_product(
        org_a,
        data=product_data(visa_gp="24/01/60001234", visa_gp_expires=TODAY),
        acting_user=alice,
    )
    assert product.visa_valid_on(TODAY)
    assert not product.visa_valid_on(TODAY + dt.timedelta(days=1))
    today = timezone.localdate()
    assert not OrgProduct(visa_gp="V1", visa_gp_expires=today - dt.timedelta(days=1)).has_valid_visa
    assert OrgProduct(visa_gp="V1", visa_gp_expires=today).has_valid_visa
    assert not OrgProduct(visa_gp="V1").has_valid_visa  # no date: it cannot count
    assert not OrgProduct(visa_gp_expires=today).has_valid_visa
    (info,) = org_products(org_a, today=TODAY + dt.timedelta(days=1))
    assert (info.visa_gp, info.visa_gp_expires) == ("", None)
    (info,) = org_products(org_a, today=TODAY)
    assert (info.visa_gp, info.visa_gp_expires) == ("24/01/60001234", TODAY)


# -- what the checker gets --------------------------------------------------------------------


def test_org_products_gives_the_checker_the_active_products(
    org_a: Organization, org_b: Organization, alice: User, charlie: User
) -> None:
    do_save_org_product(org_a, data=product_data(), acting_user=alice)
    do_save_org_product(
        org_a,
        data=product_data(
            name="Neurexa",
            synonyms="",
            inns="",
            indications="",
            statuses=["unauthorised", "advertising_restricted"],
        ),
        acting_user=alice,
    )
    do_save_org_product(
        org_a,
        data=product_data(name="Dormidol", synonyms="", statuses=["liste_i"]),
        acting_user=alice,
    )
    gone = do_save_org_product(
        org_a, data=product_data(name="Ancien", synonyms=""), acting_user=alice
    )
    do_remove_org_product(gone, acting_user=alice)
    do_save_org_product(org_b, data=product_data(name=f"B {CANARY}"), acting_user=charlie)

    infos = {info.name: info for info in org_products(org_a, today=TODAY)}
    assert set(infos) == {"Calmadol", "Neurexa", "Dormidol"}
    calmadol = infos["Calmadol"]
    assert calmadol == ProductInfo(
        name="Calmadol",
        category="medicine",
        statuses=frozenset({"otc"}),
        inns=("paracétamol",),
        synonyms=("calmadol 500", "#Calmadol"),
        indications=("Douleurs légères à modérées", "Fièvre"),
    )
    assert calmadol.names() == ("Calmadol", "calmadol 500", "#Calmadol")
    # Statuses only the organisation knows are never added; they are kept when it set them.
    assert infos["Neurexa"].statuses == {"unauthorised", "advertising_restricted"}
    # A listing means prescription-only, as the catalog defines it.
    assert infos["Dormidol"].statuses == {"liste_i", "prescription"}
    assert all("unauthorised" not in i.statuses for n, i in infos.items() if n != "Neurexa")


def test_a_medicine_of_the_bdpm_without_statuses_takes_them_from_the_lexicon(
    org_a: Organization, alice: User
) -> None:
    for name in ("Doliprane", "Xanax", "Totally New Brand"):
        do_save_org_product(
            org_a, data=product_data(name=name, synonyms="", statuses=[]), acting_user=alice
        )
    do_save_org_product(
        org_a,
        data=product_data(name="Skenan", category="cosmetic", synonyms="", statuses=[]),
        acting_user=alice,
    )
    infos = {info.name: info for info in org_products(org_a)}  # the shipped lexicon
    assert infos["Doliprane"].statuses == {"otc", "reimbursed"}
    assert infos["Xanax"].statuses == {"liste_i", "prescription", "reimbursed"}
    assert infos["Totally New Brand"].statuses == frozenset()
    assert infos["Skenan"].statuses == frozenset()  # not a medicine: nothing is looked up
    # With an import, its lexicon is the one consulted.
    do_import_bdpm(FIXTURE)
    infos = {info.name: info for info in org_products(org_a)}
    assert infos["Xanax"].statuses == {"liste_i", "prescription", "reimbursed"}


# -- pages ------------------------------------------------------------------------------------


def test_the_list_shows_the_products_and_the_bundled_lexicon(
    alice_client: Client, org_a: Organization, alice: User
) -> None:
    do_save_org_product(
        org_a,
        data=product_data(visa_gp="24/01/60001234", visa_gp_expires=dt.date(2020, 1, 31)),
        acting_user=alice,
    )
    response = alice_client.get("/o/alpha/products/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Calmadol" in page
    assert "24/01/60001234" in page
    assert "26 mai 2026" in page  # the shipped lexicon's BDPM date (pages are in French)
    assert "Licence Ouverte" in page
    assert "hygie manage import_bdpm" in page
    assert 'class="error"' in page  # the visa has expired


def test_the_list_shows_the_latest_import(alice_client: Client) -> None:
    run = do_import_bdpm(FIXTURE)
    page = alice_client.get("/o/alpha/products/").content.decode()
    assert run.lexicon_version in page
    assert "hygie manage import_bdpm" not in page  # the bundled lexicon's hint is gone


def test_an_owner_adds_edits_and_removes_a_product_through_the_pages(
    alice_client: Client, org_a: Organization
) -> None:
    assert alice_client.get("/o/alpha/products/new/").status_code == 200
    response = alice_client.post(
        "/o/alpha/products/new/",
        {
            "name": "Calmadol",
            "category": "medicine",
            "synonyms": "calmadol 500",
            "inns": "paracétamol",
            "statuses": ["otc", "reimbursed"],
            "indications": "Fièvre",
            "visa_gp": "24/01/60001234",
            "visa_gp_expires": "2027-01-31",
        },
    )
    assert response.status_code == 302
    product = OrgProduct.objects.get(organization=org_a)
    assert product.statuses == ["otc", "reimbursed"]
    assert product.visa_gp_expires == dt.date(2027, 1, 31)
    edit_url = f"/o/alpha/products/{product.pk}/"
    assert "Calmadol" in alice_client.get(edit_url).content.decode()
    response = alice_client.post(
        edit_url,
        {"name": "Calmadol Max", "category": "medicine", "statuses": ["otc"], "visa_gp": ""},
    )
    assert response.status_code == 302
    product = OrgProduct.objects.get(pk=product.pk)
    assert (product.name, product.visa_gp, product.visa_gp_expires) == ("Calmadol Max", "", None)
    assert alice_client.get(f"{edit_url}remove/").status_code == 405
    assert alice_client.post(f"{edit_url}remove/").status_code == 302
    product.refresh_from_db()
    assert not product.is_active
    assert alice_client.get(edit_url).status_code == 404
    assert "Calmadol Max" not in alice_client.get("/o/alpha/products/").content.decode()
    verbs = AuditEvent.objects.filter(target_type="products.orgproduct", target_id=str(product.pk))
    assert set(verbs.values_list("verb", flat=True)) == {
        "org_product.created",
        "org_product.updated",
        "org_product.removed",
    }


def test_form_errors_are_shown_next_to_their_field(
    alice_client: Client, org_a: Organization
) -> None:
    response = alice_client.post(
        "/o/alpha/products/new/",
        {"name": "Calmadol", "category": "medicine", "visa_gp": "24/01/60001234"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<div class="field has-error">\s*<label for="id_visa_gp_expires"', page)
    assert page.count("has-error") == 1
    assert not OrgProduct.objects.exists()
    response = alice_client.post(
        "/o/alpha/products/new/",
        {"name": "Calmadol", "category": "medicine", "statuses": ["otc", "liste_i"]},
    )
    assert response.status_code == 200
    assert re.search(
        r'<div class="field has-error">\s*<fieldset><legend>', response.content.decode()
    )
    assert not OrgProduct.objects.exists()


def test_a_member_without_the_manage_permission_can_list_but_not_edit(
    client: Client, org_a: Organization, alice: User, bob: User
) -> None:
    product = do_save_org_product(org_a, data=product_data(), acting_user=alice)
    login(client, bob)  # community manager: may view posts, not manage the organisation
    page = client.get("/o/alpha/products/")
    assert page.status_code == 200
    assert "Calmadol" in page.content.decode()
    assert f"/o/alpha/products/{product.pk}/" not in page.content.decode()
    assert client.get("/o/alpha/products/new/").status_code == 403
    assert client.post("/o/alpha/products/new/", form_data(name="X")).status_code == 403
    assert client.post(f"/o/alpha/products/{product.pk}/remove/").status_code == 403
    product.refresh_from_db()
    assert product.is_active


def test_another_organisation_can_neither_see_nor_edit_the_products(
    alice_client: Client, org_b: Organization, charlie: User
) -> None:
    theirs = do_save_org_product(
        org_b, data=product_data(name=f"Secret {CANARY}"), acting_user=charlie
    )
    assert CANARY not in alice_client.get("/o/alpha/products/").content.decode()
    for url in (f"/o/alpha/products/{theirs.pk}/", f"/o/beta/products/{theirs.pk}/"):
        assert alice_client.get(url).status_code == 404
        assert alice_client.post(url, form_data(name="changed")).status_code == 404
        assert alice_client.post(f"{url}remove/").status_code == 404
    assert alice_client.get("/o/beta/products/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active
    assert theirs.name == f"Secret {CANARY}"
    with translation.override("en"), pytest.raises(ActionError, match="another organisation"):
        do_save_org_product(
            Organization.objects.get(slug="alpha"),
            product=theirs,
            data=product_data(),
            acting_user=charlie,
        )
