"""ICH E2B(R3) ICSR XML: one :class:`IcsrCase` → an ``MCCI_IN200100UV01`` batch.

The message follows the HL7 v3 structure of the ICH E2B(R3) Implementation Guide
(Appendix I) and its example instances: a batch wrapper (N.1) holding one
``PORR_IN049016UV`` message (N.2.r) per case, whose ``investigationEvent`` carries the
case (C, D, E, G, H). Code lists are the ICH OIDs ``2.16.840.1.113883.3.989.2.1.1.<n>`` and
identifiers use the ICH roots ``2.16.840.1.113883.3.989.2.1.3.<n>``.

Unknown values become a ``nullFlavor`` where the IG allows one (patient name and sex,
reporter name parts, seriousness criteria, C.1.7 and C.1.9.1); optional elements without a
value are left out. Nothing is looked up or invented: a reaction without a MedDRA code keeps
only its verbatim text, for the safety team to code in its database before submission.

The output is UTF-8, indented, and byte-for-byte identical for identical inputs: internal
cross-reference ids are UUIDv5 derived from the case reference, and every date comes from
the inputs.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date, datetime

from hygie.safety.export.types import (
    Drug,
    DrugRole,
    IcsrCase,
    Patient,
    Reaction,
    Reporter,
    Sender,
    Seriousness,
    iso639_2,
)

__all__ = ["build_icsr", "build_icsr_batch", "compose_narrative", "hl7_ts"]

HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
# ElementTree cannot write a default namespace next to unprefixed attributes, so the
# tree is built with plain names and the two namespaces are declared on the root by hand.
XSI_TYPE = "xsi:type"

CODE_LIST = "2.16.840.1.113883.3.989.2.1.1"  # ICH code lists: f"{CODE_LIST}.{n}"
ID_ROOT = "2.16.840.1.113883.3.989.2.1.3"  # ICH identifier roots: f"{ID_ROOT}.{n}"
OBSERVATION = f"{CODE_LIST}.19"  # code list 19: observation codes
MEDDRA = "2.16.840.1.113883.6.163"
ISO_COUNTRY = "1.0.3166.1.2.2"
ISO_SEX = "1.0.5218"
HL7_INTERACTION = "2.16.840.1.113883.1.6"
HL7_TRIGGER = "2.16.840.1.113883.1.18"
HL7_ACT_CODE = "2.16.840.1.113883.5.4"

# Fixed namespace for the UUIDv5 cross-reference ids (G.k ↔ G.k.1, E.i): changing it would
# change every exported file, so it never changes.
_ID_NAMESPACE = uuid.UUID("6f1d3c2e-8a47-5b0e-9c61-2f4e7d9a1b35")

# XML 1.0 cannot carry C0 controls other than tab and line feeds, nor U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def hl7_ts(value: date) -> str:
    """HL7 TS: ``CCYYMMDD`` for a date, ``CCYYMMDDHHMMSS±ZZZZ`` for an aware datetime.

    A naive datetime is refused: E2B(R3) dates with a time must say their UTC offset.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"datetime without a time zone: {value.isoformat()}")
        return value.strftime("%Y%m%d%H%M%S%z")
    return value.strftime("%Y%m%d")


def _clean(text: str) -> str:
    """The text as XML 1.0 can carry it: line ends as ``\\n``, forbidden characters out."""
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _el(
    parent: ET.Element | None,
    tag: str,
    attrs: dict[str, str] | None = None,
    text: str | None = None,
) -> ET.Element:
    """An element of the HL7 document (its namespace is declared on the root), attributes
    kept in the given order so that the output is stable."""
    element = ET.Element(tag) if parent is None else ET.SubElement(parent, tag)
    for key, value in (attrs or {}).items():
        element.set(key, _clean(value))
    if text is not None:
        element.text = _clean(text)
    return element


def _code(parent: ET.Element, code: str, code_system: str) -> ET.Element:
    return _el(parent, "code", {"code": code, "codeSystem": code_system})


def _device(parent: ET.Element, tag: str, type_code: str, ident: str, root: str) -> None:
    holder = _el(parent, tag, {"typeCode": type_code})
    device = _el(holder, "device", {"classCode": "DEV", "determinerCode": "INSTANCE"})
    _el(device, "id", {"extension": ident, "root": root})


def _observation(
    parent: ET.Element,
    tag: str,
    type_code: str,
    code: str,
    *,
    act: str = "observation",
    ident: str | None = None,
) -> ET.Element:
    """``<tag typeCode><observation classCode="OBS" moodCode="EVN">[<id/>]<code/>``, the
    observation code taken from ICH code list 19."""
    holder = _el(parent, tag, {"typeCode": type_code})
    observation = _el(holder, act, {"classCode": "OBS", "moodCode": "EVN"})
    if ident is not None:
        _el(observation, "id", {"root": ident})
    _code(observation, code, OBSERVATION)
    return observation


def _bl(parent: ET.Element, value: bool | None) -> None:
    """A BL value: ``true``/``false``, or nullFlavor NI when unknown."""
    if value is None:
        _el(parent, "value", {XSI_TYPE: "BL", "nullFlavor": "NI"})
    else:
        _el(parent, "value", {XSI_TYPE: "BL", "value": "true" if value else "false"})


def _name_part(parent: ET.Element, tag: str, value: str | None, withheld: bool) -> None:
    if withheld:
        _el(parent, tag, {"nullFlavor": "MSK"})
    elif value:
        _el(parent, tag, text=value)
    else:
        _el(parent, tag, {"nullFlavor": "UNK"})


def _country(parent: ET.Element, country: str) -> None:
    located = _el(parent, "asLocatedEntity", {"classCode": "LOCE"})
    place = _el(located, "location", {"classCode": "COUNTRY", "determinerCode": "INSTANCE"})
    _code(place, country.upper(), ISO_COUNTRY)


def _organisation(parent: ET.Element, organisation: str | None, department: str | None) -> None:
    """``representedOrganization`` (department) → ``assignedEntity`` → organisation name."""
    if not organisation and not department:
        return
    dept = _el(
        parent, "representedOrganization", {"classCode": "ORG", "determinerCode": "INSTANCE"}
    )
    if department:
        _el(dept, "name", text=department)
    if organisation:
        assigned = _el(dept, "assignedEntity", {"classCode": "ASSIGNED"})
        org = _el(
            assigned, "representedOrganization", {"classCode": "ORG", "determinerCode": "INSTANCE"}
        )
        _el(org, "name", text=organisation)


def _ref_id(case: IcsrCase, kind: str, index: int) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{case.safety_report_id}/{kind}/{index}"))


# ---------------------------------------------------------------------------- narrative


def compose_narrative(case: IcsrCase) -> str:
    """H.1 case narrative: the written narrative, then the source message verbatim with
    where it was found, then what the structured fields cannot say (pregnancy, special
    situations without an ICH code, reporter handle, follow-up attempts)."""
    source = case.source
    parts: list[str] = []
    if case.narrative.strip():
        parts.append(case.narrative.strip())

    where = " ".join(x for x in (source.network, source.kind) if x) or "message"
    origin = [f"Source: {where}"]
    if source.channel:
        origin.append(f"on {source.channel}")
    if source.author_handle:
        origin.append(f"by {source.author_handle}")
    if source.published_at is not None:
        origin.append(f"published {source.published_at.isoformat()}")
    lines = [" ".join(origin) + "."]
    lines.append(f"First received: {case.day_zero.isoformat()}.")
    if source.permalink:
        lines.append(f"Permalink: {source.permalink}")
    lines.append(f"Verbatim ({iso639_2(source.language)}):")
    lines.append(source.text)
    parts.append("\n".join(lines))

    facts: list[str] = []
    reporter = case.reporter
    if reporter.handle and reporter.handle != source.author_handle:
        facts.append(f"Reporter network handle: {reporter.handle}.")
    if case.patient.reporter_relationship:
        facts.append(
            f"Patient, as described by the reporter: {case.patient.reporter_relationship}."
        )
    if case.patient.pregnant is True:
        facts.append("The patient is reported to be pregnant.")
    elif case.patient.pregnant is False:
        facts.append("The patient is reported not to be pregnant.")
    if case.special_situations:
        labels = ", ".join(s.label for s in case.special_situations)
        facts.append(f"Special situations: {labels}.")
    if facts:
        parts.append("\n".join(facts))
    if case.follow_ups:
        parts.append("Follow-up attempts:\n" + "\n".join(f"- {f}" for f in case.follow_ups))
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------- sections


def _patient(aea: ET.Element, case: IcsrCase, reaction_ids: list[str], drug_ids: list[str]) -> None:
    patient: Patient = case.patient
    subject = _el(aea, "subject1", {"typeCode": "SBJ"})
    role = _el(subject, "primaryRole", {"classCode": "INVSBJ"})
    player = _el(role, "player1", {"classCode": "PSN", "determinerCode": "INSTANCE"})
    if patient.name_withheld:  # D.1
        _el(player, "name", {"nullFlavor": "MSK"})
    elif patient.initials:
        _el(player, "name", text=patient.initials)
    else:
        _el(player, "name", {"nullFlavor": "UNK"})
    if patient.sex is not None:  # D.5
        _el(player, "administrativeGenderCode", {"code": patient.sex.value, "codeSystem": ISO_SEX})
    else:
        _el(player, "administrativeGenderCode", {"nullFlavor": "UNK"})

    if patient.age_years is not None:  # D.2.2
        obs = _observation(role, "subjectOf2", "SBJ", "3")
        _el(obs, "value", {XSI_TYPE: "PQ", "value": str(patient.age_years), "unit": "a"})
    if patient.age_group is not None:  # D.2.3
        obs = _observation(role, "subjectOf2", "SBJ", "4")
        _el(
            obs,
            "value",
            {XSI_TYPE: "CE", "code": patient.age_group.value, "codeSystem": f"{CODE_LIST}.9"},
        )
    if patient.weight_kg is not None:  # D.3
        obs = _observation(role, "subjectOf2", "SBJ", "7")
        _el(obs, "value", {XSI_TYPE: "PQ", "value": f"{patient.weight_kg:g}", "unit": "kg"})
    if patient.last_menstrual_period is not None:  # D.6
        obs = _observation(role, "subjectOf2", "SBJ", "22")
        _el(obs, "value", {XSI_TYPE: "TS", "value": hl7_ts(patient.last_menstrual_period)})
    if patient.medical_history:  # D.7.2
        holder = _el(role, "subjectOf2", {"typeCode": "SBJ"})
        organizer = _el(holder, "organizer", {"classCode": "CATEGORY", "moodCode": "EVN"})
        _code(organizer, "1", f"{CODE_LIST}.20")
        obs = _observation(organizer, "component", "COMP", "18")
        _el(obs, "value", {XSI_TYPE: "ED"}, patient.medical_history)

    for reaction, reaction_id in zip(case.reactions, reaction_ids, strict=True):
        _reaction(role, reaction, reaction_id, reaction.seriousness or case.seriousness)

    if case.drugs:
        holder = _el(role, "subjectOf2", {"typeCode": "SBJ"})
        organizer = _el(holder, "organizer", {"classCode": "CATEGORY", "moodCode": "EVN"})
        _code(organizer, "4", f"{CODE_LIST}.20")
        for drug, drug_id in zip(case.drugs, drug_ids, strict=True):
            _drug(organizer, case, drug, drug_id)


_SERIOUSNESS_CODES = (  # E.i.3.2a–f, in IG order
    ("34", "death"),
    ("21", "life_threatening"),
    ("33", "hospitalisation"),
    ("35", "disabling"),
    ("12", "congenital_anomaly"),
    ("26", "other_medically_important"),
)


def _reaction(role: ET.Element, reaction: Reaction, ident: str, serious: Seriousness) -> None:
    obs = _observation(role, "subjectOf2", "SBJ", "29", ident=ident)
    if reaction.start_date is not None:  # E.i.4
        when = _el(obs, "effectiveTime", {XSI_TYPE: "IVL_TS"})
        _el(when, "low", {"value": hl7_ts(reaction.start_date)})
    value_attrs = {XSI_TYPE: "CE"}
    if reaction.meddra_code:  # E.i.2.1b / E.i.2.1a
        value_attrs["code"] = reaction.meddra_code
    value_attrs["codeSystem"] = MEDDRA
    if reaction.meddra_code and reaction.meddra_version:
        value_attrs["codeSystemVersion"] = reaction.meddra_version
    value = _el(obs, "value", value_attrs)
    _el(value, "originalText", {"language": iso639_2(reaction.language)}, reaction.verbatim)
    if reaction.translation:  # E.i.1.2
        translated = _observation(obs, "outboundRelationship2", "PERT", "30")
        _el(translated, "value", {XSI_TYPE: "ED"}, reaction.translation)
    for code_value, attribute in _SERIOUSNESS_CODES:  # E.i.3.2a–f: true or NI
        criterion = _observation(obs, "outboundRelationship2", "PERT", code_value)
        if getattr(serious, attribute):
            _el(criterion, "value", {XSI_TYPE: "BL", "value": "true"})
        else:
            _el(criterion, "value", {XSI_TYPE: "BL", "nullFlavor": "NI"})
    outcome = _observation(obs, "outboundRelationship2", "PERT", "27")  # E.i.7
    _el(
        outcome,
        "value",
        {XSI_TYPE: "CE", "code": reaction.outcome.value, "codeSystem": f"{CODE_LIST}.11"},
    )


def _drug(organizer: ET.Element, case: IcsrCase, drug: Drug, ident: str) -> None:
    holder = _el(organizer, "component", {"typeCode": "COMP"})
    admin = _el(holder, "substanceAdministration", {"classCode": "SBADM", "moodCode": "EVN"})
    _el(admin, "id", {"root": ident})
    consumable = _el(admin, "consumable", {"typeCode": "CSM"})
    instance = _el(consumable, "instanceOfKind", {"classCode": "INST"})
    product = _el(instance, "kindOfProduct", {"classCode": "MMAT", "determinerCode": "KIND"})
    _el(product, "name", text=drug.name)  # G.k.2.2
    if drug.active_substance:  # G.k.2.3.r.1
        ingredient = _el(product, "ingredient", {"classCode": "ACTI"})
        substance = _el(
            ingredient, "ingredientSubstance", {"classCode": "MMAT", "determinerCode": "KIND"}
        )
        _el(substance, "name", text=drug.active_substance)

    if drug.dose_text or drug.batch_number:  # G.k.4.r
        link = _el(admin, "outboundRelationship2", {"typeCode": "COMP"})
        dosage = _el(link, "substanceAdministration", {"classCode": "SBADM", "moodCode": "EVN"})
        if drug.dose_text:  # G.k.4.r.8
            _el(dosage, "text", text=drug.dose_text)
        if drug.batch_number:  # G.k.4.r.7
            used = _el(dosage, "consumable", {"typeCode": "CSM"})
            used_instance = _el(used, "instanceOfKind", {"classCode": "INST"})
            lot = _el(
                used_instance,
                "productInstanceInstance",
                {"classCode": "MMAT", "determinerCode": "INSTANCE"},
            )
            _el(lot, "lotNumberText", text=drug.batch_number)

    if drug.role in (DrugRole.SUSPECT, DrugRole.INTERACTING):  # G.k.10.r
        seen: set[str] = set()
        for situation in case.special_situations:
            code_value = situation.ich_code
            if code_value is None or code_value in seen:
                continue
            seen.add(code_value)
            info = _observation(admin, "outboundRelationship2", "REFR", "9")
            _el(
                info,
                "value",
                {XSI_TYPE: "CE", "code": code_value, "codeSystem": f"{CODE_LIST}.17"},
            )
    if drug.additional_info:  # G.k.11
        info = _observation(admin, "outboundRelationship2", "REFR", "2")
        _el(info, "value", {XSI_TYPE: "ST"}, drug.additional_info)

    if drug.indication:  # G.k.7.r.1
        reason = _observation(admin, "inboundRelationship", "RSON", "19")
        value = _el(reason, "value", {XSI_TYPE: "CE", "codeSystem": MEDDRA})
        _el(value, "originalText", text=drug.indication)
        performer = _el(reason, "performer", {"typeCode": "PRF"})
        assigned = _el(performer, "assignedEntity", {"classCode": "ASSIGNED"})
        _code(assigned, "3", f"{CODE_LIST}.21")  # as reported by the source reporter
    cause = _el(admin, "inboundRelationship", {"typeCode": "CAUS"})  # G.k.8
    act = _el(cause, "act", {"classCode": "ACT", "moodCode": "EVN"})
    _code(act, drug.action_taken.value, f"{CODE_LIST}.15")


def _roles(aea: ET.Element, case: IcsrCase, drug_ids: list[str]) -> None:
    """G.k.1: one causalityAssessment (code 20) per drug, pointing at it by id."""
    for drug, drug_id in zip(case.drugs, drug_ids, strict=True):
        component = _el(aea, "component", {"typeCode": "COMP"})
        assessment = _el(component, "causalityAssessment", {"classCode": "OBS", "moodCode": "EVN"})
        _code(assessment, "20", OBSERVATION)
        _el(
            assessment,
            "value",
            {XSI_TYPE: "CE", "code": drug.role.value, "codeSystem": f"{CODE_LIST}.13"},
        )
        subject = _el(assessment, "subject2", {"typeCode": "SUBJ"})
        reference = _el(subject, "productUseReference", {"classCode": "SBADM", "moodCode": "EVN"})
        _el(reference, "id", {"root": drug_id})


def _comment(parent: ET.Element, tag: str, code_value: str, text: str, author: str) -> ET.Element:
    """A free-text observationEvent (H.2, H.4, H.5.r) with its author (code list 21)."""
    event = _observation(parent, tag, "COMP", code_value, act="observationEvent")
    value = _el(event, "value", {XSI_TYPE: "ED"}, text)
    by = _el(event, "author", {"typeCode": "AUT"})
    assigned = _el(by, "assignedEntity", {"classCode": "ASSIGNED"})
    _code(assigned, author, f"{CODE_LIST}.21")
    return value


def _primary_source(event: ET.Element, reporter: Reporter) -> None:
    """C.2.r: the one reporter, marked primary source for regulatory purposes (C.2.r.5)."""
    link = _el(event, "outboundRelationship", {"typeCode": "SPRT"})
    _el(link, "priorityNumber", {"value": "1"})
    related = _el(link, "relatedInvestigation", {"classCode": "INVSTG", "moodCode": "EVN"})
    _code(related, "2", f"{CODE_LIST}.22")
    subject = _el(related, "subjectOf2", {"typeCode": "SUBJ"})
    control = _el(subject, "controlActEvent", {"classCode": "CACT", "moodCode": "EVN"})
    author = _el(control, "author", {"typeCode": "AUT"})
    assigned = _el(author, "assignedEntity", {"classCode": "ASSIGNED"})
    person = _el(assigned, "assignedPerson", {"classCode": "PSN", "determinerCode": "INSTANCE"})
    name = _el(person, "name")
    if reporter.title and not reporter.name_withheld:
        _el(name, "prefix", text=reporter.title)
    _name_part(name, "given", reporter.given_name, reporter.name_withheld)
    _name_part(name, "family", reporter.family_name, reporter.name_withheld)
    qualified = _el(person, "asQualifiedEntity", {"classCode": "QUAL"})
    _code(qualified, reporter.qualification.value, f"{CODE_LIST}.6")
    _country(person, reporter.country)
    _organisation(assigned, reporter.organisation, None)


def _first_sender(event: ET.Element) -> None:
    """C.1.8.2 First sender of this case: 2 = other than a regulator."""
    link = _el(event, "outboundRelationship", {"typeCode": "SPRT"})
    related = _el(link, "relatedInvestigation", {"classCode": "INVSTG", "moodCode": "EVN"})
    _code(related, "1", f"{CODE_LIST}.22")
    subject = _el(related, "subjectOf2", {"typeCode": "SUBJ"})
    control = _el(subject, "controlActEvent", {"classCode": "CACT", "moodCode": "EVN"})
    author = _el(control, "author", {"typeCode": "AUT"})
    assigned = _el(author, "assignedEntity", {"classCode": "ASSIGNED"})
    _code(assigned, "2", f"{CODE_LIST}.3")


def _sender(event: ET.Element, sender: Sender) -> None:
    """C.3 Sender: type, address, contact, person, department and organisation."""
    holder = _el(event, "subjectOf1", {"typeCode": "SUBJ"})
    control = _el(holder, "controlActEvent", {"classCode": "CACT", "moodCode": "EVN"})
    author = _el(control, "author", {"typeCode": "AUT"})
    assigned = _el(author, "assignedEntity", {"classCode": "ASSIGNED"})
    _code(assigned, sender.sender_type.value, f"{CODE_LIST}.7")
    if sender.street or sender.city or sender.postcode:
        addr = _el(assigned, "addr")
        if sender.street:
            _el(addr, "streetAddressLine", text=sender.street)
        if sender.city:
            _el(addr, "city", text=sender.city)
        if sender.postcode:
            _el(addr, "postalCode", text=sender.postcode)
    if sender.phone:
        _el(assigned, "telecom", {"value": "tel:" + re.sub(r"\s+", "", sender.phone)})
    if sender.email:
        _el(assigned, "telecom", {"value": "mailto:" + sender.email.strip()})
    person = _el(assigned, "assignedPerson", {"classCode": "PSN", "determinerCode": "INSTANCE"})
    if sender.given_name or sender.family_name:
        name = _el(person, "name")
        if sender.given_name:
            _el(name, "given", text=sender.given_name)
        if sender.family_name:
            _el(name, "family", text=sender.family_name)
    _country(person, sender.country)
    _organisation(assigned, sender.organisation, sender.department)


def _characteristic(event: ET.Element, code_value: str) -> ET.Element:
    holder = _el(event, "subjectOf2", {"typeCode": "SUBJ"})
    characteristic = _el(
        holder, "investigationCharacteristic", {"classCode": "OBS", "moodCode": "EVN"}
    )
    _code(characteristic, code_value, f"{CODE_LIST}.23")
    return characteristic


def _investigation(subject: ET.Element, case: IcsrCase) -> None:
    event = _el(subject, "investigationEvent", {"classCode": "INVSTG", "moodCode": "EVN"})
    _el(event, "id", {"extension": case.safety_report_id, "root": f"{ID_ROOT}.1"})  # C.1.1
    worldwide = case.worldwide_case_id or case.safety_report_id
    _el(event, "id", {"extension": worldwide, "root": f"{ID_ROOT}.2"})  # C.1.8.1
    _code(event, "PAT_ADV_EVNT", HL7_ACT_CODE)
    _el(event, "text", text=compose_narrative(case))  # H.1
    _el(event, "statusCode", {"code": "active"})
    received = _el(event, "effectiveTime")
    _el(received, "low", {"value": hl7_ts(case.day_zero)})  # C.1.4
    _el(event, "availabilityTime", {"value": hl7_ts(case.most_recent_info or case.day_zero)})

    for title in case.documents_held:  # C.1.6.1.r.1
        reference = _el(event, "reference", {"typeCode": "REFR"})
        document = _el(reference, "document", {"classCode": "DOC", "moodCode": "EVN"})
        _code(document, "1", f"{CODE_LIST}.27")
        _el(document, "title", text=title)

    reaction_ids = [_ref_id(case, "reaction", i) for i in range(len(case.reactions))]
    drug_ids = [_ref_id(case, "drug", i) for i in range(len(case.drugs))]
    component = _el(event, "component", {"typeCode": "COMP"})
    aea = _el(component, "adverseEventAssessment", {"classCode": "INVSTG", "moodCode": "EVN"})
    _patient(aea, case, reaction_ids, drug_ids)
    _roles(aea, case, drug_ids)
    if case.sender_comments:  # H.4, by the sender (code 1)
        _comment(aea, "component1", "10", case.sender_comments, "1")

    documents = _observation(event, "component", "COMP", "1", act="observationEvent")
    _bl(documents, bool(case.documents_held))  # C.1.6.1
    expedited = _observation(event, "component", "COMP", "23", act="observationEvent")
    _bl(expedited, case.expedited)  # C.1.7
    summary = _comment(event, "component", "36", case.source.text, "2")  # H.5.r, by reporter
    summary.set("language", iso639_2(case.source.language))

    _first_sender(event)
    _primary_source(event, case.reporter)
    _sender(event, case.sender)
    report_type = _characteristic(event, "1")  # C.1.3
    _el(
        report_type,
        "value",
        {XSI_TYPE: "CE", "code": case.report_type.value, "codeSystem": f"{CODE_LIST}.2"},
    )
    other_ids = _characteristic(event, "2")  # C.1.9.1 other case identifiers: none known
    _el(other_ids, "value", {XSI_TYPE: "BL", "nullFlavor": "NI"})


def _message(
    batch: ET.Element,
    case: IcsrCase,
    *,
    message_id: str,
    sender_id: str,
    receiver_id: str,
    created: datetime,
) -> None:
    message = _el(batch, "PORR_IN049016UV")
    _el(message, "id", {"extension": message_id, "root": f"{ID_ROOT}.1"})  # N.2.r.1
    _el(message, "creationTime", {"value": hl7_ts(created)})  # N.2.r.4
    _el(message, "interactionId", {"extension": "PORR_IN049016UV", "root": HL7_INTERACTION})
    _el(message, "processingCode", {"code": "P"})
    _el(message, "processingModeCode", {"code": "T"})
    _el(message, "acceptAckCode", {"code": "AL"})
    _device(message, "receiver", "RCV", receiver_id, f"{ID_ROOT}.12")  # N.2.r.3
    _device(message, "sender", "SND", sender_id, f"{ID_ROOT}.11")  # N.2.r.2
    control = _el(message, "controlActProcess", {"classCode": "CACT", "moodCode": "EVN"})
    _code(control, "PORR_TE049016UV", HL7_TRIGGER)
    _el(control, "effectiveTime", {"value": hl7_ts(case.version_date or created)})  # C.1.2
    subject = _el(control, "subject", {"typeCode": "SUBJ"})
    _investigation(subject, case)


def build_icsr_batch(
    cases: Sequence[IcsrCase],
    *,
    batch_number: str,
    sender_id: str,
    receiver_id: str,
    created: datetime,
) -> bytes:
    """An ICH E2B(R3) batch (N.1) with one ICSR message (N.2.r) per case.

    ``batch_number`` is N.1.2 and must be unique per transmission; message ids (N.2.r.1)
    are ``f"{batch_number}-{n}"``. ``sender_id``/``receiver_id`` are the routing
    identifiers (N.1.3/N.2.r.2 and N.1.4/N.2.r.3, e.g. EudraVigilance organisation ids).
    ``created`` (aware) is N.1.5 and N.2.r.4, and C.1.2 when a case has no version date.
    """
    if not cases:
        raise ValueError("an ICSR batch needs at least one case")
    batch = _el(
        None,
        "MCCI_IN200100UV01",
        {
            "xmlns": HL7,
            "xmlns:xsi": XSI,
            "ITSVersion": "XML_1.0",
            "xsi:schemaLocation": f"{HL7} MCCI_IN200100UV01.xsd",
        },
    )
    _el(batch, "id", {"extension": batch_number, "root": f"{ID_ROOT}.22"})  # N.1.2
    _el(batch, "creationTime", {"value": hl7_ts(created)})  # N.1.5
    _el(batch, "responseModeCode", {"code": "D"})
    _el(batch, "interactionId", {"extension": "MCCI_IN200100UV01", "root": HL7_INTERACTION})
    _el(batch, "name", {"code": "1", "codeSystem": f"{CODE_LIST}.1"})  # N.1.1 ichicsr
    for number, case in enumerate(cases, start=1):
        _message(
            batch,
            case,
            message_id=f"{batch_number}-{number}",
            sender_id=sender_id,
            receiver_id=receiver_id,
            created=created,
        )
    _device(batch, "receiver", "RCV", receiver_id, f"{ID_ROOT}.14")  # N.1.4
    _device(batch, "sender", "SND", sender_id, f"{ID_ROOT}.13")  # N.1.3
    ET.indent(batch, space="  ")
    body = ET.tostring(batch, encoding="unicode")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body.encode("utf-8") + b"\n"


def build_icsr(
    case: IcsrCase,
    *,
    batch_number: str,
    sender_id: str,
    receiver_id: str,
    created: datetime,
) -> bytes:
    """One case as a complete ICH E2B(R3) ICSR batch file (UTF-8 bytes).

    See :func:`build_icsr_batch` for the arguments.
    """
    return build_icsr_batch(
        (case,),
        batch_number=batch_number,
        sender_id=sender_id,
        receiver_id=receiver_id,
        created=created,
    )
