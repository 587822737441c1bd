"""Who is asked about (subjects built from applications or households), creating and
sending one batch per agency, and reading the full ID numbers a batch holds."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.models import AuditKind, Organisation, OrgKind, TimelineEntry
from anju.households.models import Relation

from ... import verification_files as files
from ...models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    BatchStatus,
    CurrentHousing,
    Purpose,
    Question,
    RequestStatus,
    VerificationBatch,
    VerificationRequest,
)
from .questions import AGENCY_QUESTIONS, declared_words

# Applications are verified while they are under review, never before submission.
VERIFIABLE_STATUSES = frozenset(
    {
        ApplicationStatus.COMMUNITY_REVIEW,
        ApplicationStatus.STREET_REVIEW,
        ApplicationStatus.AUTHORITY_REVIEW,
    }
)
# What a family declares as a whole (an application's fields; a recertification's
# declaration). Per person: monthly income and hukou.
FACT_KEYS = frozenset(
    {
        "current_housing",
        "housing_area_m2",
        "vehicles",
        "owns_business",
        "residence_years",
        "insurance_months",
    }
)

# --- Who is asked about ---------------------------------------------------------------


@dataclass
class Person:
    name: str
    relation: str
    id_number_enc: str
    id_number_hash: str
    id_number_masked: str
    monthly_income: Decimal
    hukou: str = ""

    @classmethod
    def of(cls, member) -> "Person":
        """From an applicant member or a household member: both keep these fields."""
        return cls(
            name=member.name,
            relation=member.relation,
            id_number_enc=member.id_number_enc,
            id_number_hash=member.id_number_hash,
            id_number_masked=member.id_number_masked,
            monthly_income=member.monthly_income,
            hukou=member.hukou,
        )


@dataclass
class Subject:
    """A family to verify: an application (admission) or a household (recertification),
    with what it declared as a whole (`facts`, see FACT_KEYS) and its members."""

    category: str
    facts: dict
    persons: list[Person]
    application: Application | None = None
    household: Any = None  # households.Household, for recertification

    @property
    def label(self) -> str:
        return (self.application or self.household).number


def subjects_from_applications(applications) -> list[Subject]:
    applications = list(applications)
    for application in applications:
        if application.status not in VERIFIABLE_STATUSES:
            raise DomainError(
                _("Application %(n)s is not under review (%(s)s): it cannot be verified.")
                % {"n": application.number, "s": application.get_status_display()},
                code="not_verifiable",
            )
        if not application.consent_at:
            raise DomainError(
                _("Application %(n)s has no consent to data checks.") % {"n": application.number},
                code="no_consent",
            )
    members = defaultdict(list)
    for m in ApplicationMember.objects.filter(application__in=applications).order_by("id"):
        members[m.application_id].append(Person.of(m))
    return [
        Subject(
            category=a.category,
            facts={
                "current_housing": a.current_housing,
                "housing_area_m2": _fact("housing_area_m2", a.housing_area_m2),
                "vehicles": a.vehicles,
                "owns_business": a.owns_business,
                "residence_years": a.residence_years,
                "insurance_months": a.insurance_months,
            },
            persons=members[a.pk],
            application=a,
        )
        for a in applications
    ]


def subjects_from_households(households, declarations: dict | None = None) -> list[Subject]:
    """Housed households and their current members. A public-rental tenant has by
    definition declared no housing of its own; `declarations` ({household pk: {fact:
    value}}, FACT_KEYS) adds or overrides what a recertification collected."""
    from anju.households.models import Member

    declarations = declarations or {}
    households = list(households)
    for facts in declarations.values():
        unknown = set(facts) - FACT_KEYS
        if unknown:
            raise DomainError(
                _("Unknown declaration fields: %(f)s") % {"f": ", ".join(sorted(unknown))},
                code="bad_declaration",
            )
    members = defaultdict(list)
    for m in Member.objects.filter(household__in=households).current().order_by("id"):
        members[m.household_id].append(Person.of(m))
    return [
        Subject(
            category=h.category,
            facts={
                "current_housing": CurrentHousing.NONE,
                "housing_area_m2": "0.00",
                **{k: _fact(k, v) for k, v in declarations.get(h.pk, {}).items()},
            },
            persons=members[h.pk],
            household=h,
        )
        for h in households
    ]


def _fact(key: str, value):
    """A declared fact in the form the requests keep it (JSON: no Decimal)."""
    if key == "housing_area_m2":
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    if key == "owns_business":
        return bool(value)
    if key == "current_housing":
        if value not in CurrentHousing.values:
            raise DomainError(_("Unknown current housing."), code="bad_declaration")
        return value
    return int(value)


def declared_for(question: str, subject: Subject, person: Person) -> dict:
    """What the family declared that this question can confirm or contradict, for one
    person. Household totals (vehicles, housing area) are on every member's request;
    the residence and insurance years are the applicant's own."""
    facts = subject.facts
    head = person.relation == Relation.HEAD

    def pick(*keys):
        return {k: facts[k] for k in keys if k in facts and facts[k] not in ("", None)}

    if question == Question.SUBSISTENCE:
        return {"category": subject.category}
    if question == Question.HUKOU:
        out = {"hukou": person.hukou} if person.hukou else {}
        return {**out, **(pick("residence_years") if head else {})}
    if question == Question.PROPERTY:
        return pick("current_housing", "housing_area_m2")
    if question == Question.BUSINESS:
        return pick("owns_business")
    if question == Question.INSURANCE:
        return pick("insurance_months") if head else {}
    if question == Question.PROVIDENT_FUND:
        return {"monthly_income": str(person.monthly_income)}
    if question == Question.VEHICLE:
        return pick("vehicles")
    return {}


# --- Creating and sending batches -------------------------------------------------------


def agencies_asked():
    """The agencies a new verification goes to: active, with a function set."""
    return (
        Organisation.objects.filter(kind=OrgKind.AGENCY, is_active=True)
        .exclude(agency_function="")
        .order_by("code")
    )


def verification_batches_create(
    *,
    actor,
    applications,
    purpose: str = Purpose.ADMISSION,
    due_on=None,
    send: bool = False,
) -> list[VerificationBatch]:
    """One batch per agency for `applications` (under review, with consent), one request
    per member. An agency that already has a request about an application is not asked
    about it again."""
    subjects = subjects_from_applications(applications)

    def already(agency) -> set:
        return set(
            VerificationRequest.objects.filter(
                batch__agency=agency,
                batch__purpose=purpose,
                application__in=[s.application for s in subjects],
            ).values_list("application_id", flat=True)
        )

    return _batches_create(
        actor=actor,
        subjects=subjects,
        purpose=purpose,
        due_on=due_on,
        send=send,
        already=already,
        key=lambda s: s.application.pk,
    )


def verification_batches_for_households(
    *,
    actor,
    households,
    declarations: dict | None = None,
    purpose: str = Purpose.RECERTIFICATION,
    due_on=None,
    send: bool = False,
) -> list[VerificationBatch]:
    """The same for housed households (the yearly recertification). A household with a
    request still awaiting an answer from an agency is not asked about again."""
    subjects = subjects_from_households(households, declarations)

    def already(agency) -> set:
        return set(
            VerificationRequest.objects.filter(
                batch__agency=agency,
                batch__purpose=purpose,
                status=RequestStatus.PENDING,
                household__in=[s.household for s in subjects],
            ).values_list("household_id", flat=True)
        )

    return _batches_create(
        actor=actor,
        subjects=subjects,
        purpose=purpose,
        due_on=due_on,
        send=send,
        already=already,
        key=lambda s: s.household.pk,
    )


def _batches_create(*, actor, subjects, purpose, due_on, send, already, key):
    if purpose not in Purpose.values:
        raise DomainError(_("Unknown purpose."), code="bad_purpose")
    today = timezone.localdate()
    if due_on is not None and due_on < today:
        raise DomainError(_("The answer date cannot be in the past."), code="due_in_past")
    agencies = list(agencies_asked())
    if not agencies:
        raise DomainError(
            _(
                "No partner agency has a verification function. A system administrator "
                "sets it on the agency's organisation."
            ),
            code="no_agency",
        )
    subjects = [s for s in subjects if s.persons]
    batches: list[VerificationBatch] = []
    summary: dict[int, tuple[int, list[str]]] = {}  # batch pk → (requests, families)
    with transaction.atomic():
        requests: list[VerificationRequest] = []
        for agency in agencies:
            asked = already(agency)
            todo = [s for s in subjects if key(s) not in asked]
            if not todo:
                continue
            question = AGENCY_QUESTIONS[agency.agency_function]
            batch = VerificationBatch.objects.create(
                number=f"tmp-{uuid.uuid4().hex[:16]}",
                agency=agency,
                purpose=purpose,
                question=question,
                due_on=due_on,
                created_by=actor,
            )
            batch.number = f"XC{today:%Y}{batch.pk:06d}"
            batch.save(update_fields=["number"])
            seq = 0
            for subject in todo:
                for person in subject.persons:
                    seq += 1
                    requests.append(
                        VerificationRequest(
                            batch=batch,
                            ref=f"{batch.number}-{seq:05d}",
                            application=subject.application,
                            household=subject.household,
                            name=person.name,
                            id_number_enc=person.id_number_enc,
                            id_number_hash=person.id_number_hash,
                            id_number_masked=person.id_number_masked,
                            declared=declared_for(question, subject, person),
                        )
                    )
            summary[batch.pk] = (seq, [s.label for s in todo])
            batches.append(batch)
        if not batches:
            raise DomainError(
                _("Every agency has already been asked about these families."),
                code="nothing_to_send",
            )
        VerificationRequest.objects.bulk_create(requests, batch_size=1000)
        audit.record_many(
            actor=actor,
            items=[
                (
                    "verification.batch_create",
                    b,
                    {
                        "agency": b.agency.name,
                        "question": b.question,
                        "purpose": purpose,
                        "due_on": due_on,
                        "requests": summary[b.pk][0],
                        "families": summary[b.pk][1][:200],
                    },
                )
                for b in batches
            ],
        )
        if send:
            for batch in batches:
                batch_send(batch, actor=actor)
    return batches


def _households_of(requests) -> list[int]:
    """The household archives a set of requests writes to."""
    ids = set()
    for application_household, household in requests.values_list(
        "application__household_id", "household_id"
    ):
        ids.add(household or application_household)
    return sorted(ids)


def batch_send(batch: VerificationBatch, *, actor) -> VerificationBatch:
    if batch.status != BatchStatus.DRAFT:
        raise DomainError(
            _("Batch %(n)s has already been sent.") % {"n": batch.number}, code="already_sent"
        )
    with transaction.atomic():
        batch.status = BatchStatus.SENT
        batch.sent_at = timezone.now()
        batch.save(update_fields=["status", "sent_at"])
        audit.record(
            actor=actor,
            action="verification.batch_send",
            target=batch,
            changes={"status": batch.status, "agency": batch.agency.name},
        )
        timeline.add_many(
            [
                household_entry(
                    "verify.sent", pk, actor=actor, agency=batch.agency.name, batch=batch.number
                )
                for pk in _households_of(batch.requests.all())
            ],
        )
    return batch


def household_entry(verb: str, household_id: int, *, actor, **data) -> TimelineEntry:
    """An unsaved timeline entry for a household known by its pk (for bulk_create)."""
    entry = timeline.build(verb, actor=actor, **data)
    entry.household_id = household_id
    return entry


# --- Reading the full ID number -------------------------------------------------------


def request_reveal(request: VerificationRequest, *, actor) -> str:
    """The full ID number the agency looks the person up by; recorded in the access log
    and on the family's timeline. The view declares who may ask."""
    value = request.reveal_id_number()
    with transaction.atomic():
        audit.record(
            actor=actor,
            kind=AuditKind.ACCESS,
            action="reveal.id_number",
            target=request,
            changes={"batch": request.batch.number, "field": "id_number"},
        )
        timeline.add(
            "pii.unmasked",
            actor=actor,
            for_household=_household_of(request),
            who=str(actor),
            field="id_number",
            name=request.name,
        )
    return value


def _household_of(request: VerificationRequest):
    if request.application is None:
        return request.household
    return request.application.household


def batch_export(batch: VerificationBatch, *, actor, fmt: str) -> bytes:
    """The batch as a file to answer (CSV or XLSX), with full ID numbers and any answers
    already given, so that a corrected file can be uploaded again. The download is an
    access to personal data and is recorded as one."""
    if fmt not in ("csv", "xlsx"):
        raise DomainError(_("Choose CSV or XLSX."), code="bad_format")
    requests = list(batch.requests.order_by("id"))
    question_label = Question(batch.question).label
    rows = [
        {
            "ref": r.ref,
            "name": r.name,
            "id_number": r.reveal_id_number(),
            "question": question_label,
            "declared": declared_words(batch.question, r.declared),
            "found": files.found_word(r.found),
            "value": r.value,
            "detail": r.detail,
        }
        for r in requests
    ]
    data = files.write_answers(rows, fmt)
    with transaction.atomic():
        audit.record(
            actor=actor,
            kind=AuditKind.ACCESS,
            action="reveal.verification_batch",
            target=batch,
            changes={"format": fmt, "requests": len(requests), "field": "id_number"},
        )
        timeline.add_many(
            [
                household_entry(
                    "verify.exported", pk, actor=actor, who=str(actor), batch=batch.number
                )
                for pk in _households_of(batch.requests.all())
            ],
        )
    return data
