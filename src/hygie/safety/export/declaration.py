"""Déclaration pré-remplie d'effet indésirable, pour une pharmacie d'officine française.

Le pharmacien qui a connaissance d'un effet indésirable suspecté d'être dû à un médicament
le déclare sans délai au centre régional de pharmacovigilance (CRPV) dont il relève
(CSP art. R.5121-161 ; règle PV-07). La voie la plus simple est le portail national de
signalement des événements sanitaires indésirables (:data:`PORTAL_URL`), qui transmet la
déclaration au CRPV compétent : :func:`crpv_declaration` prépare le contenu à y saisir,
section par section, avec « à compléter » pour ce qu'il manque.

Le tableau :data:`REGIONS` ne donne que les noms officiels des régions : il n'y a ici ni
adresse, ni téléphone, ni courriel de CRPV, c'est le portail qui route la déclaration.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from hygie.safety.export.types import (
    ActionTaken,
    AgeGroup,
    Drug,
    DrugRole,
    IcsrCase,
    Outcome,
    Reaction,
    Sex,
    SpecialSituation,
)

__all__ = [
    "A_COMPLETER",
    "NON_RENSEIGNE",
    "PORTAL_URL",
    "REGIONS",
    "Declaration",
    "DeclarationField",
    "DeclarationSection",
    "crpv_declaration",
    "region_name",
]

#: Portail de signalement des événements sanitaires indésirables (ministère de la Santé).
PORTAL_URL = "https://www.signalement-sante.gouv.fr"

A_COMPLETER = "à compléter"
NON_RENSEIGNE = "non renseigné"

ROUTING_NOTE = (
    "Le portail transmet automatiquement la déclaration au centre régional de "
    "pharmacovigilance (CRPV) compétent pour la localisation indiquée."
)

#: Régions (13 métropolitaines et 5 d'outre-mer) : identifiant → nom officiel.
REGIONS: dict[str, str] = {
    "auvergne-rhone-alpes": "Auvergne-Rhône-Alpes",
    "bourgogne-franche-comte": "Bourgogne-Franche-Comté",
    "bretagne": "Bretagne",
    "centre-val-de-loire": "Centre-Val de Loire",
    "corse": "Corse",
    "grand-est": "Grand Est",
    "hauts-de-france": "Hauts-de-France",
    "ile-de-france": "Île-de-France",
    "normandie": "Normandie",
    "nouvelle-aquitaine": "Nouvelle-Aquitaine",
    "occitanie": "Occitanie",
    "pays-de-la-loire": "Pays de la Loire",
    "provence-alpes-cote-d-azur": "Provence-Alpes-Côte d'Azur",
    "guadeloupe": "Guadeloupe",
    "martinique": "Martinique",
    "guyane": "Guyane",
    "la-reunion": "La Réunion",
    "mayotte": "Mayotte",
}

_SEX = {Sex.FEMALE: "Femme", Sex.MALE: "Homme"}
_AGE_GROUP = {
    AgeGroup.FOETUS: "Fœtus",
    AgeGroup.NEONATE: "Nouveau-né",
    AgeGroup.INFANT: "Nourrisson",
    AgeGroup.CHILD: "Enfant",
    AgeGroup.ADOLESCENT: "Adolescent",
    AgeGroup.ADULT: "Adulte",
    AgeGroup.ELDERLY: "Personne âgée",
}
_OUTCOME = {
    Outcome.RECOVERED: "Guérison sans séquelle",
    Outcome.RECOVERING: "En cours de guérison",
    Outcome.NOT_RECOVERED: "Non guéri",
    Outcome.RECOVERED_WITH_SEQUELAE: "Guérison avec séquelles",
    Outcome.FATAL: "Décès",
}
_ACTION = {
    ActionTaken.WITHDRAWN: "Arrêt du médicament",
    ActionTaken.DOSE_REDUCED: "Diminution de la dose",
    ActionTaken.DOSE_INCREASED: "Augmentation de la dose",
    ActionTaken.DOSE_NOT_CHANGED: "Poursuite sans modification",
    ActionTaken.NOT_APPLICABLE: "Sans objet",
}
_ROLE = {
    DrugRole.SUSPECT: "suspect",
    DrugRole.INTERACTING: "interaction",
    DrugRole.CONCOMITANT: "concomitant",
    DrugRole.NOT_ADMINISTERED: "non administré",
}
_SITUATION = {
    SpecialSituation.PREGNANCY: "grossesse",
    SpecialSituation.BREASTFEEDING: "allaitement",
    SpecialSituation.PAEDIATRIC_USE: "utilisation chez l'enfant",
    SpecialSituation.ELDERLY_USE: "utilisation chez la personne âgée",
    SpecialSituation.OVERDOSE: "surdosage",
    SpecialSituation.ABUSE: "abus",
    SpecialSituation.MISUSE: "mésusage",
    SpecialSituation.MEDICATION_ERROR: "erreur médicamenteuse",
    SpecialSituation.OFF_LABEL_USE: "utilisation hors AMM",
    SpecialSituation.OCCUPATIONAL_EXPOSURE: "exposition professionnelle",
    SpecialSituation.LACK_OF_EFFICACY: "manque d'efficacité",
    SpecialSituation.QUALITY_DEFECT: "défaut de qualité",
    SpecialSituation.COUNTERFEIT: "médicament falsifié",
    SpecialSituation.EXPIRED_PRODUCT: "médicament périmé",
}
_CRITERIA = (
    ("death", "Décès"),
    ("life_threatening", "Mise en jeu du pronostic vital"),
    ("hospitalisation", "Hospitalisation ou prolongation d'hospitalisation"),
    ("disabling", "Invalidité ou incapacité"),
    ("congenital_anomaly", "Anomalie ou malformation congénitale"),
    ("other_medically_important", "Autre situation médicale grave"),
)


@dataclass(frozen=True)
class DeclarationField:
    """Un champ du formulaire : libellé, valeur pré-remplie (``None`` si inconnue)."""

    label: str
    value: str | None
    required: bool = False

    @property
    def missing(self) -> bool:
        return self.required and not self.value

    def display(self) -> str:
        if self.value:
            return self.value
        return A_COMPLETER if self.required else NON_RENSEIGNE


@dataclass(frozen=True)
class DeclarationSection:
    title: str
    fields: tuple[DeclarationField, ...]


@dataclass(frozen=True)
class Declaration:
    """La déclaration prête à recopier sur le portail, dans l'ordre de saisie."""

    reference: str
    sections: tuple[DeclarationSection, ...]
    region: str | None = None
    portal_url: str = PORTAL_URL

    def missing_fields(self) -> list[str]:
        """Champs obligatoires encore vides, sous la forme « Section — Libellé »."""
        return [
            f"{section.title} — {item.label}"
            for section in self.sections
            for item in section.fields
            if item.missing
        ]

    def as_text(self) -> str:
        """Version texte brut, à coller dans le portail ou dans un courriel au CRPV."""
        lines = [
            "Déclaration d'effet indésirable médicamenteux (pré-remplie)",
            f"Référence interne : {self.reference}",
            f"À déclarer sur : {self.portal_url}",
            ROUTING_NOTE,
        ]
        missing = self.missing_fields()
        if missing:
            lines.append(f"Champs à compléter : {len(missing)}")
        for section in self.sections:
            lines.extend(["", f"== {section.title} =="])
            for item in section.fields:
                first, *rest = item.display().split("\n")
                lines.append(f"{item.label} : {first}")
                lines.extend(f"    {line}" for line in rest)
        return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def region_name(region: str) -> str:
    """Nom officiel d'une région, depuis son identifiant ou son nom (accents et casse
    indifférents). ``ValueError`` si la région n'existe pas."""
    slug = _slug(region)
    if slug.startswith("region-"):
        slug = slug.removeprefix("region-")
    if slug == "reunion":
        slug = "la-reunion"
    if slug not in REGIONS:
        raise ValueError(f"région inconnue : {region!r}")
    return REGIONS[slug]


def _fr_date(value: date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def _declarant(pharmacy_name: str, pharmacist_name: str, region: str | None) -> DeclarationSection:
    return DeclarationSection(
        "Déclarant",
        (
            DeclarationField("Qualité", "Pharmacien d'officine", required=True),
            DeclarationField("Nom du pharmacien", pharmacist_name.strip() or None, required=True),
            DeclarationField("Pharmacie", pharmacy_name.strip() or None, required=True),
            DeclarationField("Région", region, required=True),
            DeclarationField("CRPV destinataire", "attribué par le portail selon la localisation"),
        ),
    )


def _patient(case: IcsrCase) -> DeclarationSection:
    patient = case.patient
    if patient.age_years is not None:
        age: str | None = f"{patient.age_years} ans"
    elif patient.age_group is not None:
        age = _AGE_GROUP[patient.age_group]
    else:
        age = None
    pregnant = {True: "Oui", False: "Non", None: None}[patient.pregnant]
    weight = None if patient.weight_kg is None else f"{patient.weight_kg:g} kg".replace(".", ",")
    initials = "masquées" if patient.name_withheld else patient.initials
    return DeclarationSection(
        "Patient",
        (
            DeclarationField("Initiales", initials, required=True),
            DeclarationField(
                "Sexe", None if patient.sex is None else _SEX[patient.sex], required=True
            ),
            DeclarationField("Âge", age, required=True),
            DeclarationField("Poids", weight),
            DeclarationField("Grossesse en cours", pregnant),
            DeclarationField("Date des dernières règles", _fr_date(patient.last_menstrual_period)),
            DeclarationField("Antécédents", patient.medical_history),
            DeclarationField("Lien avec l'auteur du message", patient.reporter_relationship),
        ),
    )


def _drug_fields(number: int, drug: Drug) -> tuple[DeclarationField, ...]:
    prefix = f"Médicament {number}"
    return (
        DeclarationField(f"{prefix} — nom", drug.name.strip() or None, required=True),
        DeclarationField(f"{prefix} — rôle", _ROLE[drug.role]),
        DeclarationField(f"{prefix} — substance active", drug.active_substance),
        DeclarationField(f"{prefix} — numéro de lot", drug.batch_number),
        DeclarationField(f"{prefix} — posologie", drug.dose_text, required=True),
        DeclarationField(f"{prefix} — indication", drug.indication, required=True),
        DeclarationField(f"{prefix} — mesure prise", _ACTION.get(drug.action_taken)),
    )


def _drugs(case: IcsrCase) -> DeclarationSection:
    suspects = case.suspect_drugs
    fields: list[DeclarationField] = []
    if not suspects:
        fields.append(DeclarationField("Médicament suspect", None, required=True))
    for number, drug in enumerate(suspects, start=1):
        fields.extend(_drug_fields(number, drug))
    others = [d for d in case.drugs if d.role not in (DrugRole.SUSPECT, DrugRole.INTERACTING)]
    fields.append(
        DeclarationField(
            "Autres médicaments pris",
            "; ".join(f"{d.name} ({_ROLE[d.role]})" for d in others) or None,
        )
    )
    return DeclarationSection("Médicament(s) suspect(s)", tuple(fields))


def _reaction_fields(number: int, reaction: Reaction) -> tuple[DeclarationField, ...]:
    prefix = f"Effet {number}"
    return (
        DeclarationField(
            f"{prefix} — description (termes du patient)",
            reaction.verbatim.strip() or None,
            required=True,
        ),
        DeclarationField(f"{prefix} — date de début", _fr_date(reaction.start_date), required=True),
        DeclarationField(f"{prefix} — évolution", _OUTCOME.get(reaction.outcome), required=True),
    )


def _reactions(case: IcsrCase) -> DeclarationSection:
    fields: list[DeclarationField] = []
    if not case.reactions:
        fields.append(DeclarationField("Effet indésirable", None, required=True))
    for number, reaction in enumerate(case.reactions, start=1):
        fields.extend(_reaction_fields(number, reaction))
    return DeclarationSection("Effet(s) indésirable(s)", tuple(fields))


def _gravity(case: IcsrCase) -> DeclarationSection:
    assessments = [case.seriousness] + [
        r.seriousness for r in case.reactions if r.seriousness is not None
    ]
    met = [
        label for attribute, label in _CRITERIA if any(getattr(s, attribute) for s in assessments)
    ]
    return DeclarationSection(
        "Gravité",
        (
            DeclarationField("Effet grave", "Oui" if met else "Non", required=True),
            DeclarationField("Critère(s) de gravité", "; ".join(met) or "aucun"),
        ),
    )


def _chronology(case: IcsrCase) -> DeclarationSection:
    starts = [r.start_date for r in case.reactions if r.start_date is not None]
    return DeclarationSection(
        "Chronologie",
        (
            DeclarationField(
                "Date de connaissance du cas (J0)", _fr_date(case.day_zero), required=True
            ),
            DeclarationField("Date du message source", _fr_date(case.source.published_at)),
            DeclarationField("Début du premier effet", _fr_date(min(starts)) if starts else None),
            DeclarationField(
                "Dernière information reçue", _fr_date(case.most_recent_info or case.day_zero)
            ),
            DeclarationField("Relances effectuées", "\n".join(case.follow_ups) or None),
        ),
    )


def _source(case: IcsrCase) -> DeclarationSection:
    source = case.source
    where = " — ".join(x for x in (source.network, source.kind, source.channel) if x)
    situations = "; ".join(_SITUATION[s] for s in case.special_situations)
    return DeclarationSection(
        "Texte source",
        (
            DeclarationField("Origine", where or None),
            DeclarationField("Lien", source.permalink),
            DeclarationField("Auteur (pseudonyme)", source.author_handle or case.reporter.handle),
            DeclarationField("Situations particulières", situations or None),
            DeclarationField("Texte du message (verbatim)", source.text or None, required=True),
        ),
    )


def crpv_declaration(
    case: IcsrCase, *, pharmacy_name: str, pharmacist_name: str, region: str | None
) -> Declaration:
    """Pré-remplit la déclaration au CRPV (via :data:`PORTAL_URL`) pour une officine.

    ``region`` est un identifiant ou un nom de :data:`REGIONS` (``None`` : à compléter) ;
    une région inconnue lève ``ValueError``.
    """
    name = region_name(region) if region is not None else None
    return Declaration(
        reference=case.safety_report_id,
        region=name,
        sections=(
            _declarant(pharmacy_name, pharmacist_name, name),
            _patient(case),
            _drugs(case),
            _reactions(case),
            _gravity(case),
            _chronology(case),
            _source(case),
        ),
    )
