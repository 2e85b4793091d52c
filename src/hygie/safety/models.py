"""Possible adverse events reported from inbound messages, tracked until forwarded.

* ``SafetyCase``: one possible adverse event (or special situation, or product complaint). The
  source message is snapshotted when the case opens, before any moderation can hide or delete
  it, with the SHA-256 of the snapshot: the model refuses to change either, and a database
  trigger refuses it too. Day zero is when the message first reached Hygie (its ingestion).
* ``CaseCriterion``: the four minimum criteria of a valid ICSR (GVP VI.B.2), each suggested by
  the triage with the words that support it, and confirmed (or not) by a person.
* ``FollowUp``: every attempt to obtain more information (GVP VI.B.3), with its outcome.
* ``DuplicateLink``: two cases that describe the same event, on the same or another channel.
* ``SafetySettings``: the organisation's forwarding deadline, escalation and back-up officer.
* ``SafetyAckTemplate``: the approved public acknowledgement that moves the talk to private.

Case data is health data: it is read only by members holding ``Perm.SAFETY_VIEW`` and is never
used by the contacts register or the analytics (docs/safety.md).
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hygie.channels.models import Network
from hygie.core.models import OrgScopedModel
from hygie.safety.snapshot import snapshot_hash

# Frozen once written: the model, its queryset and a database trigger refuse to change them.
SNAPSHOT_FIELDS = frozenset({"source_snapshot", "content_hash"})


class ImmutableSnapshotError(Exception):
    """Raised when code tries to change the snapshot of a case's source."""


class CaseStatus(models.TextChoices):
    OPEN = "open", _("New")
    ASSESSING = "assessing", _("In assessment")
    FORWARDED = "forwarded", _("Forwarded to safety")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")


# The forwarding clock runs while a case is in one of these statuses.
ACTIVE_STATUSES = (CaseStatus.OPEN, CaseStatus.ASSESSING)


class CloseReason(models.TextChoices):
    NOT_A_CASE = "not_a_case", _("Not an adverse event, special situation or complaint")
    DUPLICATE = "duplicate", _("Duplicate of another case")
    NOT_VALID = "not_valid", _("Not a valid case: the minimum criteria could not be obtained")
    OTHER = "other", _("Other reason")


class Criterion(models.TextChoices):
    """The four minimum criteria of a valid individual case safety report (GVP VI.B.2)."""

    REPORTER = "reporter", _("Identifiable reporter")
    PATIENT = "patient", _("Identifiable patient")
    PRODUCT = "product", _("Suspected medicinal product")
    EVENT = "event", _("Suspected adverse reaction")


CRITERION_HELP = {
    Criterion.REPORTER: _(
        "Someone who can be contacted: a name, initials, an address, or a network account "
        "that can receive a private message. Qualification and country are needed."
    ),
    Criterion.PATIENT: _(
        "One patient identifiable by at least one characteristic: initials, age or age "
        "group, sex, or a relationship (“my mother”, “my son”)."
    ),
    Criterion.PRODUCT: _("At least one suspected medicine or substance."),
    Criterion.EVENT: _("At least one suspected adverse reaction (or a special situation)."),
}


class Seriousness(models.TextChoices):
    """ICH E2B(R3) E.i.3.2 seriousness criteria; one is enough for the case to be serious."""

    DEATH = "death", _("Results in death")
    LIFE_THREATENING = "life_threatening", _("Life-threatening")
    HOSPITALISATION = "hospitalisation", _("Caused or prolonged hospitalisation")
    DISABILITY = "disability", _("Disabling or incapacitating")
    CONGENITAL_ANOMALY = "congenital_anomaly", _("Congenital anomaly or birth defect")
    OTHER_MEDICALLY_IMPORTANT = "other_medically_important", _("Other medically important")


class ReporterQualification(models.TextChoices):
    """ICH E2B(R3) C.2.r.4; a missing qualification is taken as a consumer (GVP VI.B.2)."""

    CONSUMER = "consumer", _("Consumer or patient")
    PHARMACIST = "pharmacist", _("Pharmacist")
    PHYSICIAN = "physician", _("Physician")
    OTHER_HP = "other_hp", _("Other health professional")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "unknown", _("Unknown")


class AgeGroup(models.TextChoices):
    """ICH E2B(R3) D.2.3 patient age group."""

    NEONATE = "neonate", _("Neonate")
    INFANT = "infant", _("Infant")
    CHILD = "child", _("Child")
    ADOLESCENT = "adolescent", _("Adolescent")
    ADULT = "adult", _("Adult")
    ELDERLY = "elderly", _("Elderly")


class ProductRole(models.TextChoices):
    """ICH E2B(R3) G.k.1 characterisation of the drug role."""

    SUSPECT = "suspect", _("Suspect")
    CONCOMITANT = "concomitant", _("Concomitant")
    INTERACTING = "interacting", _("Interacting")


class ReactionOutcome(models.TextChoices):
    """ICH E2B(R3) E.i.7 outcome of the reaction at the time of the last observation."""

    RECOVERED = "recovered", _("Recovered")
    RECOVERING = "recovering", _("Recovering")
    NOT_RECOVERED = "not_recovered", _("Not recovered")
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae", _("Recovered with sequelae")
    FATAL = "fatal", _("Fatal")
    UNKNOWN = "unknown", _("Unknown")


class SpecialSituation(models.TextChoices):
    """GVP VI.A special situations, reportable even without a reaction (the triage's names)."""

    PREGNANCY = "pregnancy", _("Pregnancy")
    BREASTFEEDING = "breastfeeding", _("Breast-feeding")
    CHILD = "child", _("Use in a child")
    OVERDOSE = "overdose", _("Overdose")
    MISUSE = "misuse", _("Abuse or misuse")
    MEDICATION_ERROR = "medication_error", _("Medication error")
    OFF_LABEL = "off_label", _("Off-label use")
    LACK_OF_EFFICACY = "lack_of_efficacy", _("Lack of efficacy")


class FollowUpChannel(models.TextChoices):
    PUBLIC_REPLY = "public_reply", _("Public reply")
    PRIVATE_MESSAGE = "private_message", _("Private message")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    IN_PERSON = "in_person", _("In person")


class FollowUpOutcome(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting an answer")
    ANSWERED = "answered", _("Answered: information obtained")
    NO_ANSWER = "no_answer", _("No answer")
    DECLINED = "declined", _("Declined to give more information")


# Where the conversation continues after the public acknowledgement.
PRIVATE_CHANNELS = (
    FollowUpChannel.PRIVATE_MESSAGE,
    FollowUpChannel.PHONE,
    FollowUpChannel.EMAIL,
    FollowUpChannel.IN_PERSON,
)


class SafetySettings(OrgScopedModel):
    """The organisation's forwarding deadline and escalation (defaults until first saved)."""

    organization = models.OneToOneField(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    forward_within_business_days = models.PositiveSmallIntegerField(
        _("forward within (business days)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(15)],
        help_text=_("Counted from day zero, French public holidays and weekends excluded."),
    )
    escalate_hours_before_due = models.PositiveSmallIntegerField(
        _("escalate this many hours before the deadline"),
        default=4,
        validators=[MaxValueValidator(72)],
        help_text=_("0: escalate only once the deadline has passed."),
    )
    backup_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("back-up officer"),
        help_text=_("Notified by e-mail when a case nears or passes its deadline."),
    )
    forward_to = models.CharField(
        _("forward to"),
        max_length=255,
        blank=True,
        help_text=_("The safety database or inbox cases are forwarded to (suggested)."),
    )
    region = models.CharField(
        _("region"),
        max_length=100,
        blank=True,
        help_text=_("For a pharmacy: the region of its regional pharmacovigilance centre."),
    )

    class Meta:
        verbose_name = _("safety settings")
        verbose_name_plural = _("safety settings")

    def __str__(self) -> str:
        return f"{self.forward_within_business_days} / {self.escalate_hours_before_due} h"


class SafetyAckTemplate(OrgScopedModel):
    """An approved public answer to a possible adverse event: thanks, and "we contact you in
    private". Never a word on causality (regulation PV-08)."""

    name = models.CharField(_("name"), max_length=120)
    text = models.TextField(_("text"), max_length=1000)
    language = models.CharField(_("language"), max_length=8, default="fr")
    is_active = models.BooleanField(_("in use"), default=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("acknowledgement template")
        verbose_name_plural = _("acknowledgement templates")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="one_ack_template_name")
        ]

    def __str__(self) -> str:
        return self.name


class SafetyCaseQuerySet(models.QuerySet["SafetyCase"]):
    def update(self, **kwargs: Any) -> int:
        if SNAPSHOT_FIELDS & set(kwargs):
            raise ImmutableSnapshotError("the snapshot of a case's source is never changed")
        return super().update(**kwargs)


class SafetyCase(OrgScopedModel):
    """A possible adverse event. The source is snapshotted when the case opens, before any
    moderation can hide or delete it; day zero is when the message first reached Hygie."""

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    source_item = models.ForeignKey(
        "inbox.InboxItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_snapshot = models.JSONField(_("source as received"))
    content_hash = models.CharField(_("SHA-256 of the snapshot"), max_length=64, blank=True)
    day_zero = models.DateTimeField(_("day zero"))
    due_at = models.DateTimeField(_("forward before"))
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_automatically = models.BooleanField(_("opened by the triage"), default=False)
    # What the triage said when it opened (or first saw) the case: model version, score…
    triage = models.JSONField(_("triage"), default=dict, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("officer in charge"),
    )
    note = models.TextField(_("note"), blank=True)

    # Escalation: once, when the deadline nears or passes.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_to = models.CharField(_("escalated to"), max_length=500, blank=True)

    # Reporter, patient, products, reactions (ICH E2B(R3) sections C, D, G, E).
    reporter_qualification = models.CharField(
        _("reporter qualification"),
        max_length=16,
        choices=ReporterQualification.choices,
        default=ReporterQualification.CONSUMER,
    )
    reporter_country = models.CharField(_("reporter country"), max_length=2, default="FR")
    patient_initials = models.CharField(_("patient initials"), max_length=10, blank=True)
    patient_age = models.PositiveSmallIntegerField(
        _("patient age (years)"), null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    patient_age_group = models.CharField(
        _("patient age group"), max_length=16, choices=AgeGroup.choices, blank=True
    )
    patient_sex = models.CharField(_("patient sex"), max_length=8, choices=Sex.choices, blank=True)
    patient_pregnant = models.BooleanField(_("pregnant"), null=True, blank=True)
    # [{"name": …, "role": ProductRole, "batch": …}]
    products = models.JSONField(_("products"), default=list, blank=True)
    # [{"text": verbatim words of the reporter, "outcome": ReactionOutcome or ""}]
    reactions = models.JSONField(_("reactions"), default=list, blank=True)
    special_situations = models.JSONField(_("special situations"), default=list, blank=True)
    quality_complaint = models.BooleanField(_("product quality complaint"), default=False)
    narrative = models.TextField(_("case narrative"), blank=True)

    # Seriousness (E.i.3.2); the case is serious when any is true.
    serious_death = models.BooleanField(Seriousness.DEATH.label, default=False)
    serious_life_threatening = models.BooleanField(
        Seriousness.LIFE_THREATENING.label, default=False
    )
    serious_hospitalisation = models.BooleanField(Seriousness.HOSPITALISATION.label, default=False)
    serious_disability = models.BooleanField(Seriousness.DISABILITY.label, default=False)
    serious_congenital_anomaly = models.BooleanField(
        Seriousness.CONGENITAL_ANOMALY.label, default=False
    )
    serious_other_medically_important = models.BooleanField(
        Seriousness.OTHER_MEDICALLY_IMPORTANT.label, default=False
    )
    seriousness_assessed_at = models.DateTimeField(_("seriousness assessed"), null=True, blank=True)
    seriousness_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Public acknowledgement and move to a private channel (regulation PV-08).
    ack_template = models.ForeignKey(
        SafetyAckTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ack_text = models.TextField(_("acknowledgement"), blank=True)
    ack_sent_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    ack_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ack_reply = models.ForeignKey(
        "inbox.OutboundReply", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    private_channel = models.CharField(
        _("continued in private by"), max_length=16, choices=FollowUpChannel.choices, blank=True
    )

    # Forwarding, closing, and the pharmacist's declaration to the regional centre.
    forwarded_at = models.DateTimeField(_("forwarded"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    forwarded_to = models.CharField(_("forwarded to"), max_length=255, blank=True)
    forwarded_reference = models.CharField(
        _("safety database reference"), max_length=100, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(
        _("reason for closing"), max_length=16, choices=CloseReason.choices, blank=True
    )
    close_note = models.TextField(_("closing note"), blank=True)
    declared_at = models.DateTimeField(_("declared"), null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    declaration_reference = models.CharField(_("declaration reference"), max_length=100, blank=True)

    objects: ClassVar[models.Manager[SafetyCase]] = SafetyCaseQuerySet.as_manager()
    # (hash of the snapshot, stored hash) as loaded: what ``save`` must find unchanged.
    _frozen: tuple[str, str] | None = None

    class Meta:
        verbose_name = _("safety case")
        verbose_name_plural = _("safety cases")
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["source_item"], name="one_case_per_message")]
        indexes = [
            models.Index(fields=["organization", "status", "due_at"], name="safety_case_clock"),
        ]

    def __str__(self) -> str:
        return self.reference

    # --- the frozen snapshot ---------------------------------------------------------------

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> SafetyCase:
        instance = super().from_db(db, field_names, values)
        if "source_snapshot" in field_names and "content_hash" in field_names:
            instance._frozen = (snapshot_hash(instance.source_snapshot), instance.content_hash)
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            super().save(*args, **kwargs)
            self._frozen = (snapshot_hash(self.source_snapshot), self.content_hash)
            return
        frozen = self._frozen
        if frozen is not None and frozen != (
            snapshot_hash(self.source_snapshot),
            self.content_hash,
        ):
            raise ImmutableSnapshotError("the snapshot of a case's source is never changed")
        # Never written again, whatever the caller asks.
        update_fields = kwargs.pop("update_fields", None)
        if update_fields is None:
            update_fields = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in SNAPSHOT_FIELDS
            ]
        elif SNAPSHOT_FIELDS & set(update_fields):
            raise ImmutableSnapshotError("the snapshot of a case's source is never changed")
        super().save(*args, update_fields=update_fields, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableSnapshotError("a safety case is never deleted")

    # --- derived ---------------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def seriousness(self) -> list[Seriousness]:
        return [s for s in Seriousness if getattr(self, f"serious_{s.value}")]

    @property
    def serious(self) -> bool:
        return bool(self.seriousness)

    @property
    def clock_stopped_at(self) -> Any:
        """When the forwarding clock stopped (forwarded or closed), or None while it runs."""
        if self.status == CaseStatus.FORWARDED:
            return self.forwarded_at
        if self.status == CaseStatus.CLOSED:
            return self.closed_at
        return None

    @property
    def network_label(self) -> str:
        network = str(self.source_snapshot.get("network", ""))
        return str(Network(network).label) if network in Network.values else network

    @property
    def criteria_met(self) -> int:
        """How many minimum criteria a person confirmed (prefetch ``criteria`` for lists)."""
        return sum(1 for c in self.criteria.all() if c.confirmed is True)

    @property
    def opened_by_label(self) -> str:
        if self.opened_by is not None:
            return self.opened_by.get_full_name() or self.opened_by.email
        return str(_("Hygie (automatic)"))


class CaseCriterion(OrgScopedModel):
    """One of the four minimum criteria of a case: what the triage suggested, and the words
    that support it, then what a person confirmed (``confirmed``: None until someone looks)."""

    case = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="criteria")
    criterion = models.CharField(_("criterion"), max_length=16, choices=Criterion.choices)
    suggested = models.BooleanField(_("suggested by the triage"), null=True, blank=True)
    # [{"start": int, "end": int, "text": str, "label": str}] in the source text.
    evidence = models.JSONField(_("supporting words"), default=list, blank=True)
    confirmed = models.BooleanField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("minimum criterion")
        verbose_name_plural = _("minimum criteria")
        constraints = [
            models.UniqueConstraint(fields=["case", "criterion"], name="one_row_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.criterion}: {self.confirmed}"

    @property
    def order(self) -> int:
        return list(Criterion.values).index(self.criterion)


class FollowUp(OrgScopedModel):
    """One attempt to obtain more information, or its answer (GVP VI.B.3: every attempt is
    documented)."""

    case = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="follow_ups")
    at = models.DateTimeField(_("when"))
    channel = models.CharField(_("channel"), max_length=16, choices=FollowUpChannel.choices)
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=FollowUpOutcome.choices,
        default=FollowUpOutcome.AWAITING,
    )
    text = models.TextField(_("what was asked or learnt"), max_length=5000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.channel} {self.at:%Y-%m-%d %H:%M}"


class DuplicateLink(OrgScopedModel):
    """Two cases of one event (one row per pair, the lower id first; shown on both)."""

    case = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(SafetyCase, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("duplicate link")
        verbose_name_plural = _("duplicate links")
        constraints = [
            models.UniqueConstraint(fields=["case", "other"], name="one_link_per_pair"),
            models.CheckConstraint(condition=Q(case__lt=models.F("other")), name="link_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} = {self.other_id}"
