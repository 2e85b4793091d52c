"""The health content library: awareness dates, compliant ready texts, own templates, garde and
opening-hours announcements, and the references the composer resolves."""

from __future__ import annotations

import json
import re
from datetime import date, time, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.test import Client
from django.utils import timezone
from tests.conftest import CANARY, login, make_user

from hygie.accounts.actions import do_add_member
from hygie.accounts.models import Organization, User
from hygie.accounts.roles import Role
from hygie.audit.models import AuditEvent
from hygie.library import announcements, awareness
from hygie.library.actions import do_create_template
from hygie.library.models import ContentTemplate
from hygie.library.templates import entries_for, resolve_template, text_ref

pytestmark = pytest.mark.django_db


def entry(entry_id: str) -> awareness.AwarenessEntry:
    found = awareness.entry_by_id(entry_id)
    assert found is not None, entry_id
    return found


def entries_for_kind(kind: str) -> list[awareness.AwarenessEntry]:
    return [e for e in awareness.builtin_calendar() if e.audience in {kind, "both"}]


def when(entry_id: str, year: int) -> tuple[date, date]:
    return entry(entry_id).period.starting_in(year)


# --- Awareness calendar ----------------------------------------------------------------------


def test_awareness_dates_are_computed_right_for_a_given_year() -> None:
    assert when("journee-diabete", 2025) == (date(2025, 11, 14), date(2025, 11, 14))
    assert when("journee-sans-tabac", 2026) == (date(2026, 5, 31), date(2026, 5, 31))
    assert when("journee-sida", 2025) == (date(2025, 12, 1), date(2025, 12, 1))
    assert when("mois-sans-tabac", 2025) == (date(2025, 11, 1), date(2025, 11, 30))
    assert when("octobre-rose", 2025) == (date(2025, 10, 1), date(2025, 10, 31))
    # Second Thursday of March; first Tuesday of May.
    assert when("journee-audition", 2025)[0] == date(2025, 3, 13)
    assert when("journee-audition", 2026)[0] == date(2026, 3, 12)
    assert when("journee-asthme", 2025)[0] == date(2025, 5, 6)


def test_a_season_across_the_new_year_ends_the_next_year_and_february_ends_right() -> None:
    assert when("vaccination-grippe", 2025) == (date(2025, 10, 15), date(2026, 1, 31))
    assert when("bronchiolite", 2025) == (date(2025, 10, 1), date(2026, 2, 28))
    assert when("bronchiolite", 2027) == (date(2027, 10, 1), date(2028, 2, 29))
    in_january = awareness.upcoming(awareness.builtin_calendar(), date(2026, 1, 10))
    flu = next(o for o in in_january if o.entry.id == "vaccination-grippe")
    assert (flu.start, flu.end) == (date(2025, 10, 15), date(2026, 1, 31))
    assert flu.state(date(2026, 1, 10)) == "now"


def test_the_nth_weekday_rule_counts_from_the_start_or_the_end_of_the_month() -> None:
    thursday, monday = 3, 0
    assert awareness.nth_weekday(2025, 11, thursday, 3) == date(2025, 11, 20)
    assert awareness.nth_weekday(2024, 11, thursday, 3) == date(2024, 11, 21)
    assert awareness.nth_weekday(2025, 4, monday, -1) == date(2025, 4, 28)
    week = awareness.parse_period(
        {"kind": "nth_weekday", "month": 4, "weekday": "monday", "nth": -1, "days": 7}, "test"
    )
    assert week.starting_in(2025) == (date(2025, 4, 28), date(2025, 5, 4))


def test_the_upcoming_list_is_this_month_and_the_next_90_days() -> None:
    today = date(2025, 11, 20)
    found = {o.entry.id: o for o in awareness.upcoming(awareness.builtin_calendar(), today)}
    assert found["journee-diabete"].state(today) == "past"  # 14 November: this month
    assert found["mois-sans-tabac"].state(today) == "now"
    assert found["journee-sida"].state(today) == "upcoming"
    assert "dry-january" in found
    assert "mars-bleu" not in found  # 1 March is more than 90 days away
    assert "octobre-rose" not in found


def test_the_calendar_covers_the_campaigns_asked_for_with_sources_and_two_texts() -> None:
    calendar = awareness.builtin_calendar()
    ids = {e.id for e in calendar}
    assert {
        "mois-sans-tabac",
        "octobre-rose",
        "vaccination-grippe",
        "saison-pollens",
        "canicule",
        "protection-solaire",
        "journee-diabete",
        "journee-sans-tabac",
        "semaine-vaccination",
        "dry-january",
        "journee-sida",
        "mars-bleu",
        "journee-mondiale-sante",
        "rentree-scolaire",
        "bronchiolite",
        "journee-audition",
    } <= ids
    assert len(ids) == len(calendar)
    for e in calendar:
        assert e.source_url.startswith("https://")
        assert len(e.templates) >= 2
        assert e.audience in awareness.AUDIENCES


def test_a_mistake_in_the_data_file_is_refused_with_the_entry_named(tmp_path: Path) -> None:
    raw = json.loads(awareness.DATA_FILE.read_text(encoding="utf-8"))
    raw["entries"][0]["period"] = {"kind": "range", "start": "13-01", "end": "01-31"}
    bad = tmp_path / "awareness.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match=raw["entries"][0]["id"]):
        awareness.load_calendar(bad)
    raw["entries"][0]["period"] = {"kind": "month", "month": 1}
    raw["entries"][0]["templates"] = ["only one"]
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="two"):
        awareness.load_calendar(bad)


# --- Compliance of the built-in texts --------------------------------------------------------

MEDICINE_BRANDS = (
    "Doliprane",
    "Dafalgan",
    "Efferalgan",
    "Advil",
    "Nurofen",
    "Spasfon",
    "Smecta",
    "Gaviscon",
    "Voltarene",
    "Voltarène",
    "Strepsils",
)
FORBIDDEN = (
    (r"€|\beuros?\b", "a price"),
    (r"%", "a percentage (discount)"),
    (r"\bgratuit|\bofferts?\b|\bremises?\b|\bpromo|\bsoldes?\b|\bréduction", "an offer"),
    (r"\bconcours\b|\btirage au sort\b|\bjeux?\b", "a contest"),
    (r"\bcadeaux?\b", "a gift"),
    (r"\bguéri|\bguérison|\bmiracle|\bsans danger\b|\befficace à\b", "a claim of cure"),
    (r"\bmeilleur|\bn°\s*1\b|\bnuméro un\b|\bleader\b", "hype"),
    (r"\bnos patients\b|\bnotre patiente?\b|\bnos clients\b", "naming patients"),
)


def compliance_problems(text: str) -> list[str]:
    problems = [
        f"names {brand}" for brand in MEDICINE_BRANDS if re.search(rf"\b{brand}\b", text, re.I)
    ]
    problems += [why for pattern, why in FORBIDDEN if re.search(pattern, text, re.I)]
    return problems


def test_the_compliance_guard_catches_what_it_is_meant_to() -> None:
    assert compliance_problems("Doliprane à -20 % : grand concours, un cadeau offert !")
    assert compliance_problems("La meilleure pharmacie de la ville")
    assert compliance_problems("Ce sirop guérit la toux, 4,90 €")
    assert compliance_problems("Parlez-en à votre pharmacien.") == []


def test_every_builtin_template_passes_the_compliance_guard() -> None:
    for e in awareness.builtin_calendar():
        for number, text in enumerate(e.templates, start=1):
            assert compliance_problems(text) == [], f"{e.id} template {number}"
            # Each text points to a professional, an official service or emergency number.
            assert re.search(
                r"médecin|pharmacien|professionnel|sage-femme|\.fr\b|\.org\b|who\.int|"
                r"\b15\b|\b39 89\b|0 800",
                text,
            ), f"{e.id} template {number} orients nobody"


# --- Audiences -------------------------------------------------------------------------------


def test_a_pharmacy_sees_pharmacy_templates_and_not_company_only_ones(
    alice_client: Client, org_a: Organization, org_b: Organization
) -> None:
    pharmacy = {e.id for e in entries_for(org_a)}
    company = {e.id for e in entries_for(org_b)}
    assert {"vaccination-grippe", "mois-sans-tabac"} <= pharmacy
    assert "journee-coeur" not in pharmacy and "journee-mondiale-sante" not in pharmacy
    assert {"journee-coeur", "mois-sans-tabac"} <= company
    assert "vaccination-grippe" not in company
    page = alice_client.get("/o/alpha/library/?view=year").content.decode()
    assert "Campagne de vaccination contre la grippe" in page
    assert "Journée mondiale du cœur" not in page
    assert "/o/alpha/compose/?template=builtin%3Avaccination-grippe%3A1" in page


def test_the_library_lists_this_month_and_the_coming_weeks_in_the_org_time_zone(
    alice_client: Client,
) -> None:
    today = timezone.localdate()
    expected = awareness.upcoming(entries_for_kind("pharmacy"), today)
    page = alice_client.get("/o/alpha/library/").content.decode()
    for occurrence in expected:
        assert f'id="aw-{occurrence.entry.id}"' in page
    assert page.count('<article class="card"') == len(expected)


def test_an_analyst_browses_the_library_but_cannot_use_or_write_templates(
    org_a: Organization, client: Client
) -> None:
    analyst = make_user("ana@alpha.test", "Ana Analyst")
    do_add_member(org_a, email=analyst.email, full_name="", roles=[Role.ANALYST], acting_user=None)
    login(client, analyst)
    page = client.get("/o/alpha/library/?view=year")
    assert page.status_code == 200
    assert "?template=builtin" not in page.content.decode()
    assert client.get("/o/alpha/library/templates/new/").status_code == 403
    assert client.get("/o/alpha/library/announcements/").status_code == 403


# --- Garde and opening hours -----------------------------------------------------------------


def test_the_garde_text_is_right_in_french_for_a_given_date() -> None:
    garde = announcements.Garde(
        day=date(2024, 11, 24), start=time(9), end=time(20), address="12 rue des Lilas\n75011 Paris"
    )
    text = announcements.garde_text(garde, today=date(2024, 11, 20))
    assert text.startswith(
        "Notre pharmacie est de garde dimanche 24 novembre de 9 h à 20 h.\n"
        "Adresse : 12 rue des Lilas, 75011 Paris.\n\n"
    )
    assert "3237" in text and "15 ou le 112" in text
    overnight = announcements.Garde(
        day=date(2025, 2, 28), start=time(19, 30), end=time(8, 30), address="Place du Marché"
    )
    assert announcements.garde_when(overnight, today=date(2025, 2, 1)) == (
        "du vendredi 28 février à 19 h 30 au samedi 1er mars à 8 h 30"
    )
    new_year = announcements.Garde(
        day=date(2025, 12, 31), start=time(20), end=time(0), address="Place du Marché"
    )
    assert announcements.garde_when(new_year, today=date(2026, 1, 2)) == (
        "mercredi 31 décembre 2025 de 20 h à minuit"
    )


def test_opening_hours_are_grouped_by_day_with_exceptional_closures() -> None:
    week = tuple(
        announcements.parse_hours(text)
        for text in ["9h-12h30, 14h-19h30"] * 5 + ["9:00 - 12:30", "fermé"]
    )
    closures = announcements.parse_closures(
        "31/12/2025 - 02/01/2026 : inventaire\n25/12/2025\n2025-12-24 au 2025-12-26"
    )
    text = announcements.hours_text(
        announcements.OpeningHours(week=week, closures=closures), today=date(2025, 12, 1)
    )
    assert text.startswith(
        "Nos horaires d'ouverture :\n"
        "Du lundi au vendredi : de 9 h à 12 h 30 et de 14 h à 19 h 30\n"
        "Samedi : de 9 h à 12 h 30\n"
        "Dimanche : fermé\n\n"
        "Fermetures exceptionnelles :\n"
        "- du mercredi 24 au vendredi 26 décembre\n"
        "- jeudi 25 décembre\n"
        "- du mercredi 31 décembre 2025 au vendredi 2 janvier 2026 (inventaire)\n\n"
    )
    assert "3237" in text
    assert "3237" not in announcements.hours_text(
        announcements.OpeningHours(week=week), today=date(2025, 12, 1), pharmacy=False
    )


def test_hours_that_cannot_be_read_are_refused() -> None:
    for bad in ("14h-9h", "9h-12h, 11h-13h", "matin", "25:00-26:00"):
        with pytest.raises(ValueError):
            announcements.parse_hours(bad)
    with pytest.raises(ValueError):
        announcements.parse_closures("Noël")


def test_the_announcement_page_writes_the_garde_text_and_hands_it_to_the_composer(
    alice_client: Client, org_a: Organization
) -> None:
    day = timezone.localdate() + timedelta(days=3)
    response = alice_client.get(
        "/o/alpha/library/announcements/",
        {
            "generate": "garde",
            "garde-day": day.isoformat(),
            "garde-start": "09:00",
            "garde-end": "20:00",
            "garde-address": "12 rue des Lilas",
        },
    )
    page = response.content.decode()
    sentence = f"Notre pharmacie est de garde {announcements.french_date(day)} de 9 h à 20 h."
    assert sentence in page
    link = re.search(r"/o/alpha/compose/\?template=([^\"&]+)", page)
    assert link is not None
    ref = unquote(link.group(1))
    assert (resolve_template(org_a, ref) or "").startswith(sentence)
    bad = alice_client.get(
        "/o/alpha/library/announcements/", {"generate": "hours", "hours-monday": "matin"}
    ).content.decode()
    assert 'class="error"' in bad and "?template=text" not in bad


# --- Own templates ---------------------------------------------------------------------------


def test_an_org_template_is_created_through_the_view_and_audited(
    alice_client: Client, org_a: Organization, alice: User
) -> None:
    response = alice_client.post(
        "/o/alpha/library/templates/new/",
        {
            "title": "Mois sans tabac, notre version",
            "text": "Novembre : on arrête ensemble. Tabac Info Service : 39 89.",
            "tags": "tabac, Tabac , arrêt",
            "awareness_id": "mois-sans-tabac",
        },
    )
    assert response.status_code == 302 and response.url == "/o/alpha/library/"
    template = ContentTemplate.objects.get(organization=org_a)
    assert template.tags == "tabac, arrêt"
    event = AuditEvent.objects.get(verb="content_template.created")
    assert event.organization == org_a and event.actor == alice
    assert event.target_id == str(template.pk)
    assert event.after["title"] == "Mois sans tabac, notre version"

    alice_client.post(
        f"/o/alpha/library/templates/{template.pk}/",
        {"title": "Renamed", "text": template.text, "tags": "", "awareness_id": ""},
    )
    updated = AuditEvent.objects.get(verb="content_template.updated")
    assert updated.before["title"] == "Mois sans tabac, notre version"
    assert updated.after["title"] == "Renamed"

    alice_client.post(f"/o/alpha/library/templates/{template.pk}/delete/")
    assert not ContentTemplate.objects.filter(pk=template.pk).exists()
    assert AuditEvent.objects.filter(verb="content_template.deleted").count() == 1


def test_an_unknown_awareness_date_is_refused(alice_client: Client, org_a: Organization) -> None:
    response = alice_client.post(
        "/o/alpha/library/templates/new/",
        {"title": "T", "text": "x", "awareness_id": "journee-inventee"},
    )
    assert response.status_code == 200
    assert not ContentTemplate.objects.filter(organization=org_a).exists()


def test_a_builtin_text_can_be_adapted_into_an_own_template(alice_client: Client) -> None:
    page = alice_client.get(
        "/o/alpha/library/templates/new/?from=builtin:mois-sans-tabac:1"
    ).content.decode()
    assert "39 89" in page and 'value="mois-sans-tabac" selected' in page


def test_another_organisations_template_is_a_404(
    alice_client: Client, org_b: Organization, charlie: User
) -> None:
    theirs = do_create_template(
        org_b, data={"title": f"B {CANARY}", "text": f"Secret {CANARY}"}, acting_user=charlie
    )
    for path in (
        f"/o/alpha/library/templates/{theirs.pk}/",
        f"/o/beta/library/templates/{theirs.pk}/",
    ):
        assert alice_client.get(path).status_code == 404
        assert alice_client.post(path, {"title": "x", "text": "x"}).status_code == 404
    assert alice_client.post(f"/o/alpha/library/templates/{theirs.pk}/delete/").status_code == 404
    assert ContentTemplate.objects.get(pk=theirs.pk).title == f"B {CANARY}"
    assert CANARY not in alice_client.get("/o/alpha/library/?view=year").content.decode()


# --- References for the composer -------------------------------------------------------------


def test_resolve_template_returns_the_text_of_builtin_and_org_references(
    org_a: Organization, org_b: Organization, alice: User, charlie: User
) -> None:
    assert (
        resolve_template(org_a, "builtin:mois-sans-tabac:1")
        == entry("mois-sans-tabac").templates[0]
    )
    assert (
        resolve_template(org_a, "builtin:vaccination-grippe:2")
        == (entry("vaccination-grippe").templates[1])
    )
    ours = do_create_template(org_a, data={"title": "A", "text": "Texte A"}, acting_user=alice)
    theirs = do_create_template(org_b, data={"title": "B", "text": "Texte B"}, acting_user=charlie)
    assert resolve_template(org_a, f"org:{ours.pk}") == "Texte A"
    assert resolve_template(org_a, f"org:{theirs.pk}") is None
    assert resolve_template(org_a, text_ref(org_a, "Généré")) == "Généré"
    assert resolve_template(org_a, text_ref(org_b, "Généré pour B")) is None


@pytest.mark.parametrize(
    "junk",
    [
        None,
        "",
        "junk",
        "org:",
        "org:abc",
        "org:²",
        "org:99999999999999999999999",
        "builtin:mois-sans-tabac",
        "builtin:mois-sans-tabac:0",
        "builtin:mois-sans-tabac:9",
        "builtin:journee-inventee:1",
        "builtin:journee-coeur:1",  # company only: not for a pharmacy
        "builtin:../../etc:1",
        "text:forged",
        "text:",
    ],
)
def test_resolve_template_returns_none_for_junk(org_a: Organization, junk: str | None) -> None:
    assert resolve_template(org_a, junk) is None


@pytest.mark.parametrize(
    "path",
    [
        "/o/alpha/library/",
        "/o/alpha/library/?view=year",
        "/o/alpha/library/templates/new/",
        "/o/alpha/library/announcements/?generate=hours&hours-monday=9h-19h",
    ],
)
def test_library_pages_label_every_field(alice_client: Client, path: str) -> None:
    response = alice_client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    labels = set(re.findall(r'<label[^>]*for="([^"]+)"', page))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        if re.search(r'type="(hidden|submit)"', tag):
            continue
        field_id = re.search(r'id="([^"]+)"', tag)
        assert field_id and field_id.group(1) in labels, f"{path}: unlabelled {tag}"
