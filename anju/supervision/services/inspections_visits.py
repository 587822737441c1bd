"""Inspection visits (入户核查) and how they end a task.

A visit where somebody answers records who was present (matched against the
household's registered members by the keyed hash of their ID numbers), the checklist,
photos, notes and follow-up actions, and the tenant's signature or refusal; it may end
the task with a finding. A visit where nobody answers schedules the next one
`revisit_days` later; the `letter_attempt`-th unanswered visit sends an appointment
letter and the `case_attempt`-th opens a case for investigation. A finding of "no
issue" closes the task; a violation opens a case (services/cases.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, notify, pii, timeline
from anju.core.errors import DomainError
from anju.core.models import MessageChannel
from anju.core.uploads import check_document, check_photos
from anju.households.models import Member

from .. import thresholds
from ..models import (
    CheckResult,
    Finding,
    InspectionTask,
    InspectionVisit,
    PresentPerson,
    TaskStatus,
    Tip,
    TipStatus,
    VisitOutcome,
    VisitPhoto,
)

VISITED = {
    VisitOutcome.COMPLETED: gettext_lazy("Inspection visit (%(number)s): visited"),
    VisitOutcome.NO_ANSWER: gettext_lazy("Inspection visit (%(number)s): nobody answered"),
    VisitOutcome.REFUSED: gettext_lazy("Inspection visit (%(number)s): entry refused"),
    VisitOutcome.SIGNS_OF_SUBLET: gettext_lazy(
        "Inspection visit (%(number)s): nobody answered; signs of subletting"
    ),
    VisitOutcome.ABANDONED: gettext_lazy(
        "Inspection visit (%(number)s): nobody answered; the unit looks abandoned"
    ),
}
ENDED = {
    Finding.NO_ISSUE: gettext_lazy("Inspection task %(number)s ended: no issue found"),
    Finding.VIOLATION: gettext_lazy(
        "Inspection task %(number)s ended: violation found, case opened"
    ),
    Finding.UNREACHABLE: gettext_lazy(
        "Inspection task %(number)s ended: nobody could be met, case opened for investigation"
    ),
}
for _verb, _sentences in (("inspection.visited", VISITED), ("inspection.closed", ENDED)):
    for _code, _text in _sentences.items():
        timeline.register(f"{_verb}.{_code}", _text)
timeline.register(
    "inspection.letter",
    gettext_lazy(
        "Appointment letter for inspection %(number)s after %(attempts)s unanswered visits; "
        "next visit %(on)s"
    ),
)

notify.register(
    "inspection.appointment_letter",
    MessageChannel.LETTER,
    gettext_lazy(
        "Appointment for a home inspection\n\nTo household {household} ({head}), unit "
        "{unit}:\nOur inspectors called at your home {attempts} times ({dates}) and found "
        "nobody in. The lease and the rules for public rental housing require the unit to "
        "be inspected. We will call again on {visit_on}. If that day does not suit you, "
        "contact {office} before then to agree another time. If nobody can be met, the "
        "authority will investigate whether the household still lives in the unit."
    ),
)
notify.register(
    "inspection.appointment_sms",
    MessageChannel.SMS,
    gettext_lazy(
        "[Public rental housing] Household {household}: we called {attempts} times to "
        "inspect unit {unit} and found nobody in. We will call again on {visit_on}; if that "
        "day does not suit you, contact {office}. A letter follows."
    ),
)

# The four things every visit looks at, in the order the form asks them.

CHECKLIST = [
    (
        "use",
        gettext_lazy("Use"),
        gettext_lazy("Lived in by the household as its home; not a shop, store or dormitory."),
    ),
    (
        "condition",
        gettext_lazy("Condition"),
        gettext_lazy("Walls, floors, doors and fittings; damp or damage."),
    ),
    (
        "alterations",
        gettext_lazy("Alterations"),
        gettext_lazy("Walls moved, rooms partitioned, fittings removed or added."),
    ),
    (
        "safety",
        gettext_lazy("Safety"),
        gettext_lazy("Gas, wiring, fire exits, balconies, things stored in the way."),
    ),
]
CHECK_KEYS = [key for key, _label, _hint in CHECKLIST]
UNANSWERED = frozenset(
    {
        VisitOutcome.NO_ANSWER,
        VisitOutcome.REFUSED,
        VisitOutcome.SIGNS_OF_SUBLET,
        VisitOutcome.ABANDONED,
    }
)
PHOTOS_MAX = 12
SIGNATURE_MAX_BYTES = 512 * 1024
# A phone's clock may run a little ahead of the server's.
CLOCK_SLACK = datetime.timedelta(minutes=10)


@dataclass
class Person:
    """Someone found in the unit, as the inspector wrote them down."""

    name: str
    id_number: str = ""
    id_sighted: bool = False
    says: str = ""  # who they say they are: "the tenant's cousin", "renting a room"


@dataclass
class Conclusion:
    """How a visit ends the task: no issue, or a violation and the case it opens."""

    finding: str
    case_type: str = ""
    summary: str = ""
    breach_began_on: datetime.date | None = None


@dataclass
class VisitResult:
    visit: InspectionVisit
    letter_sent: bool = False
    case: object | None = None
    unregistered: list[str] = field(default_factory=list)


def _check_open(task: InspectionTask) -> None:
    if task.status != TaskStatus.OPEN:
        raise DomainError(
            _("Inspection task %(n)s is %(status)s.")
            % {"n": task.number, "status": task.get_status_display().lower()},
            code="task_closed",
        )


# --- Recording a visit ------------------------------------------------------------------


def _clean_people(people, household) -> list[PresentPerson]:
    """PresentPerson rows (unsaved) for the people written down, each matched against
    the household's current members by the keyed hash of the ID number."""
    rows = []
    members = {}
    if household is not None:
        members = {
            m.id_number_hash: m for m in Member.objects.current().filter(household=household)
        }
    for n, person in enumerate(people, start=1):
        name = (person.name or "").strip()
        raw = (person.id_number or "").strip()
        if not name:
            raise DomainError(
                _("Person %(n)s: write down their name.") % {"n": n}, code="person_name"
            )
        number_hash = masked = ""
        if raw:
            try:
                number = pii.validate_id_number(raw)
            except DomainError as exc:
                raise DomainError(
                    _("%(name)s: %(error)s") % {"name": name, "error": exc.message}, code=exc.code
                ) from None
            number_hash, masked = pii.blind_index(number), pii.mask_id_number(number)
        rows.append(
            PresentPerson(
                name=name[:40],
                id_number_hash=number_hash,
                id_number_masked=masked,
                member=members.get(number_hash) if number_hash else None,
                id_sighted=bool(person.id_sighted),
                says=(person.says or "").strip()[:100],
            )
        )
    return rows


def _clean_checklist(checklist) -> dict:
    checklist = checklist or {}
    out = {}
    labels = {key: label for key, label, _hint in CHECKLIST}
    for key in CHECK_KEYS:
        item = checklist.get(key) or {}
        result = item.get("result") or ""
        note = (item.get("note") or "").strip()[:500]
        if result not in CheckResult.values:
            raise DomainError(
                _("%(item)s: choose in order, issue found, or not checked.")
                % {"item": labels[key]},
                code="checklist",
            )
        if result == CheckResult.ISSUE and not note:
            raise DomainError(
                _("%(item)s: say what the issue is.") % {"item": labels[key]}, code="checklist"
            )
        out[key] = {"result": result, "note": note}
    unknown = set(checklist) - set(CHECK_KEYS)
    if unknown:
        raise DomainError(_("Unknown checklist item."), code="checklist")
    return out


def _clean_signature(signature: bytes | None) -> ContentFile | None:
    if not signature:
        return None
    if len(signature) > SIGNATURE_MAX_BYTES:
        raise DomainError(_("The signature image is too large."), code="signature")
    image = ContentFile(signature, name="signature.png")
    try:
        kind = check_document(image)
    except DomainError:
        kind = ""
    if kind != "png":
        raise DomainError(_("The signature is not a PNG image."), code="signature")
    return image


def _clean_conclusion(conclusion: Conclusion | None, task: InspectionTask) -> Conclusion | None:
    from ..models import CaseType

    if conclusion is None or not conclusion.finding:
        return None
    if conclusion.finding not in (Finding.NO_ISSUE, Finding.VIOLATION):
        raise DomainError(_("Choose how the inspection ends."), code="finding")
    if conclusion.finding == Finding.VIOLATION:
        if conclusion.case_type not in CaseType.values:
            raise DomainError(_("Choose the type of violation."), code="case_type")
        if not (conclusion.summary or "").strip():
            raise DomainError(_("Say in a sentence what the violation is."), code="summary")
        if task.household_id is None:
            raise DomainError(
                _("No household lives in this unit; a case needs a household."),
                code="no_household",
            )
        if conclusion.breach_began_on and conclusion.breach_began_on > timezone.localdate():
            raise DomainError(_("The breach cannot begin in the future."), code="bad_date")
    return conclusion


def visit_record(
    task: InspectionTask,
    *,
    actor,
    outcome: str,
    visited_at: datetime.datetime | None = None,
    people=(),
    checklist: dict | None = None,
    photos=(),
    notes: str = "",
    follow_ups=(),
    signature: bytes | None = None,
    signature_refused: bool = False,
    conclusion: Conclusion | None = None,
) -> VisitResult:
    """Record one visit on an open task. `people` are `Person`s; `checklist` maps each
    of CHECK_KEYS to {"result": CheckResult, "note": str}; `signature` is the PNG the
    tenant drew. A visit nobody answered records only its reason, notes and photos, and
    escalates (a unit with no household registered gets no letter and no case: there
    is nobody to write to or to open it against; it is visited again); an answered one
    may end the task with `conclusion`."""
    _check_open(task)
    if outcome not in VisitOutcome.values:
        raise DomainError(_("Say whether anybody answered."), code="outcome")
    now = timezone.now()
    visited_at = visited_at or now
    if visited_at > now + CLOCK_SLACK:
        raise DomainError(_("The visit cannot be in the future."), code="bad_date")
    notes = (notes or "").strip()[:4000]
    follow_ups = [str(f).strip()[:300] for f in follow_ups or () if str(f).strip()]
    photos = check_photos(photos, most=PHOTOS_MAX)
    answered = outcome == VisitOutcome.COMPLETED
    if answered:
        present = _clean_people(people, task.household)
        if not present:
            raise DomainError(
                _("Write down who was present: at least the person who let you in."),
                code="people_required",
            )
        checks = _clean_checklist(checklist)
        image = _clean_signature(signature)
        if image and signature_refused:
            raise DomainError(
                _("Either the tenant signed or they refused; not both."), code="signature"
            )
        if not image and not signature_refused:
            raise DomainError(
                _("Have the tenant sign on the screen, or tick that they refused to sign."),
                code="signature_required",
            )
        conclusion = _clean_conclusion(conclusion, task)
    else:
        if any(p.name or p.id_number for p in people or ()) or signature or checklist:
            raise DomainError(
                _(
                    "Nobody answered: such a visit records no people, checklist or "
                    "signature, only what was seen from outside."
                ),
                code="unanswered_details",
            )
        if conclusion is not None and conclusion.finding:
            raise DomainError(
                _("A visit nobody answered cannot end the inspection with a finding."),
                code="finding",
            )
        present, checks, image = [], {}, None
    with transaction.atomic():
        task = InspectionTask.objects.select_for_update().get(pk=task.pk)
        _check_open(task)
        visit = InspectionVisit.objects.create(
            task=task,
            visited_at=visited_at,
            inspector=actor,
            outcome=outcome,
            checklist=checks,
            notes=notes,
            follow_ups=follow_ups,
            signature_refused=bool(answered and signature_refused),
        )
        if image is not None:
            visit.signature.save(f"{task.number}-{visit.pk}.png", image, save=True)
        for person in present:
            person.visit = visit
        PresentPerson.objects.bulk_create(present)
        for photo in photos:
            VisitPhoto.objects.create(visit=visit, file=photo)
        result = VisitResult(visit=visit, unregistered=[p.name for p in present if not p.member])
        audit.record(
            actor=actor,
            action="inspection.visit",
            target=visit,
            changes={
                "task": task.number,
                "outcome": outcome,
                "visited_at": visited_at,
                "people": [[p.name, p.id_number_masked, bool(p.member_id)] for p in present],
                "checklist": checks,
                "photos": len(photos),
                "signed": image is not None,
                "follow_ups": follow_ups,
            },
        )
        if task.household_id:
            timeline.add(
                f"inspection.visited.{outcome}",
                actor=actor,
                for_household=task.household,
                for_unit=task.unit,
                at=visited_at,
                number=task.number,
            )
        if answered:
            task.failed_attempts, task.next_visit_on = 0, None
            task.save(update_fields=["failed_attempts", "next_visit_on"])
            if conclusion is not None:
                result.case = _conclude(task, visit, actor=actor, conclusion=conclusion)
        else:
            _unanswered(task, visit, actor=actor, result=result)
    return result


def _unanswered(task: InspectionTask, visit: InspectionVisit, *, actor, result) -> None:
    """Count the attempt, schedule the next visit, and escalate."""
    attempts = task.failed_attempts + 1
    letter_at = int(thresholds.value("letter_attempt"))
    case_at = int(thresholds.value("case_attempt"))
    task.failed_attempts = attempts
    visit_day = timezone.localdate(visit.visited_at)
    if attempts >= case_at and task.household_id:
        task.next_visit_on = None
        task.save(update_fields=["failed_attempts", "next_visit_on"])
        result.case = _open_unreachable_case(task, actor=actor)
        _finish(task, actor=actor, finding=Finding.UNREACHABLE)
        return
    task.next_visit_on = visit_day + datetime.timedelta(days=int(thresholds.value("revisit_days")))
    task.save(update_fields=["failed_attempts", "next_visit_on"])
    if attempts == letter_at and task.household_id:
        _send_letter(task, actor=actor)
        result.letter_sent = True


# --- The appointment letter -------------------------------------------------------------


def letter_context(task: InspectionTask) -> dict:
    household = task.household
    failed = list(
        task.visits.filter(outcome__in=UNANSWERED).order_by("visited_at")[: task.failed_attempts]
    )
    estate = task.estate
    office = estate.operator
    return {
        "task": task,
        "household": household,
        "head": household.head if household else None,
        "unit": task.unit,
        "estate": estate,
        "office": office,
        "visits": failed,
        "attempts": task.failed_attempts,
        "visit_on": task.next_visit_on,
        "case_attempt": int(thresholds.value("case_attempt")),
        "today": timezone.localdate(),
    }


def _send_letter(task: InspectionTask, *, actor) -> None:
    from anju.admission.pdf import render_pdf

    context = letter_context(task)
    pdf = render_pdf("supervision/inspections/pdf/appointment_letter.html", context)
    task.appointment_letter.save(f"{task.number}-appointment.pdf", ContentFile(pdf), save=False)
    task.save(update_fields=["appointment_letter"])
    household = task.household
    assert household is not None  # only a household's unanswered visits bring a letter
    office = context["office"]
    values = {
        "household": household.number,
        "head": household.head.name if household.head else "",
        "unit": task.unit.code,
        "attempts": task.failed_attempts,
        "dates": "、".join(
            f"{timezone.localdate(v.visited_at):%Y-%m-%d}" for v in context["visits"]
        ),
        "visit_on": f"{task.next_visit_on:%Y-%m-%d}",
        "office": f"{office.name} {office.phone}".strip(),
    }
    for code, channel in (
        ("inspection.appointment_letter", "letter"),
        ("inspection.appointment_sms", "sms"),
    ):
        notify.queue(
            code,
            key=f"inspection:{task.number}:{task.failed_attempts}:{channel}",
            household=household,
            context=values,
        )
    audit.record(
        actor=actor,
        action="inspection.letter",
        target=task,
        changes={"attempts": task.failed_attempts, "visit_on": task.next_visit_on},
    )
    timeline.add(
        "inspection.letter",
        actor=actor,
        for_household=household,
        for_unit=task.unit,
        number=task.number,
        attempts=task.failed_attempts,
        on=f"{task.next_visit_on:%Y-%m-%d}",
    )


# --- Ending a task ----------------------------------------------------------------------


def _finish(task: InspectionTask, *, actor, finding: str, case=None) -> None:
    task.status, task.finding, task.closed_at = TaskStatus.DONE, finding, timezone.now()
    task.next_visit_on = None
    task.save(update_fields=["status", "finding", "closed_at", "next_visit_on"])
    audit.record(
        actor=actor,
        action="inspection.finish",
        target=task,
        changes={"finding": finding, "case": case.number if case else None},
    )
    if task.household_id:
        timeline.add(
            f"inspection.closed.{finding}",
            actor=actor,
            for_household=task.household,
            for_unit=task.unit,
            number=task.number,
        )
    if task.tip_id:
        tip = Tip.objects.select_for_update().get(pk=task.tip_id)
        if tip.status != TipStatus.CLOSED:
            from .tips import _close

            reason = _("Inspection %(n)s: %(finding)s") % {
                "n": task.number,
                "finding": task.get_finding_display(),
            }
            _close(tip, actor=actor, reason=reason[:300])
            audit.record(actor=actor, action="tip.close", target=tip, changes={"reason": reason})


def _flag_case_type(task: InspectionTask) -> str:
    from ..models import CaseType, FlagKind

    if task.flag is None:
        return CaseType.IDLE
    return {
        FlagKind.IDLE: CaseType.IDLE,
        FlagKind.SUBLET: CaseType.SUBLET,
        FlagKind.OVERCROWDING: CaseType.SUBLET,
        FlagKind.CHANGE_OF_USE: CaseType.CHANGE_OF_USE,
    }.get(FlagKind(task.flag.flag), CaseType.IDLE)


def _lead_rows(task: InspectionTask) -> list[list[str]]:
    rows = [[_("Inspection task"), f"{task.number} ({task.get_kind_display()})"]]
    flag, tip = task.flag, task.tip
    if flag is not None:
        rows.append(
            [
                _("Screening flag"),
                f"{flag.get_flag_display()} {flag.score:.2f}: {flag.evidence}",
            ]
        )
    if tip is not None:
        rows.append([_("Tip"), f"{tip.number}: {tip.text}"])
    return rows


def _open_unreachable_case(task: InspectionTask, *, actor):
    from ..models import CaseSource, CaseType
    from .cases import case_open

    visits = list(task.visits.filter(outcome__in=UNANSWERED).order_by("visited_at"))
    case_type = (
        CaseType.SUBLET
        if any(v.outcome == VisitOutcome.SIGNS_OF_SUBLET for v in visits)
        else _flag_case_type(task)
    )
    rows = _lead_rows(task)
    for n, v in enumerate(visits, start=1):
        text = f"{timezone.localtime(v.visited_at):%Y-%m-%d %H:%M} {v.get_outcome_display()}"
        rows.append([_("Visit %(n)s") % {"n": n}, f"{text}. {v.notes}".strip(". ")])
    if task.appointment_letter:
        rows.append([_("Appointment letter"), _("sent; the household did not answer it")])
    summary = _(
        "Nobody could be met at unit %(unit)s on %(n)s visits, despite an appointment "
        "letter; the household may not be living there."
    ) % {"unit": task.unit.code, "n": len(visits)}
    return case_open(
        task.household,
        actor=actor,
        type=case_type,
        source=CaseSource.INSPECTION,
        summary=summary,
        evidence=rows,
        inspection=task,
        tip=task.tip,
        flag=task.flag,
    )


def visit_evidence(task: InspectionTask, visit: InspectionVisit) -> list[list[str]]:
    """The facts of an answered visit, as a case's evidence rows."""
    rows = _lead_rows(task)
    when = timezone.localtime(visit.visited_at)
    rows.append([_("Visited"), f"{when:%Y-%m-%d %H:%M} · {visit.inspector}"])
    people = []
    for p in visit.people.all():
        status = _("registered member") if p.member_id else _("not registered")
        sighted = _("ID document sighted") if p.id_sighted else _("ID document not sighted")
        text = f"{p.name} ({status}; {sighted})"
        if p.says:
            text += f": {p.says}"
        people.append(text)
    if people:
        rows.append([_("People present"), "; ".join(people)])
    labels = {key: label for key, label, _hint in CHECKLIST}
    for key in CHECK_KEYS:
        item = visit.checklist.get(key) or {}
        if item.get("result") == CheckResult.ISSUE:
            rows.append([str(labels[key]), item.get("note", "")])
    if visit.notes:
        rows.append([_("Notes"), visit.notes])
    if visit.follow_ups:
        rows.append([_("Follow-up actions"), "; ".join(visit.follow_ups)])
    rows.append(
        [
            _("Signature"),
            _("refused to sign") if visit.signature_refused else _("signed on the screen"),
        ]
    )
    return rows


def _conclude(task, visit, *, actor, conclusion: Conclusion):
    case = None
    if conclusion.finding == Finding.VIOLATION:
        from ..models import CaseSource
        from .cases import case_open

        case = case_open(
            task.household,
            actor=actor,
            type=conclusion.case_type,
            source=CaseSource.INSPECTION,
            summary=conclusion.summary.strip(),
            evidence=visit_evidence(task, visit),
            inspection=task,
            tip=task.tip,
            flag=task.flag,
            breach_began_on=conclusion.breach_began_on,
        )
    _finish(task, actor=actor, finding=conclusion.finding, case=case)
    return case


def task_conclude(task: InspectionTask, *, actor, conclusion: Conclusion):
    """End an open task on its latest answered visit: no issue, or a violation (which
    opens a case). Returns the case, if one was opened."""
    _check_open(task)
    visit = task.visits.filter(outcome=VisitOutcome.COMPLETED).order_by("-visited_at").first()
    if visit is None:
        raise DomainError(
            _("Record a visit where somebody answered before ending the inspection."),
            code="no_visit",
        )
    cleaned = _clean_conclusion(conclusion, task)
    if cleaned is None:
        raise DomainError(_("Choose how the inspection ends."), code="finding")
    with transaction.atomic():
        task = InspectionTask.objects.select_for_update().get(pk=task.pk)
        _check_open(task)
        return _conclude(task, visit, actor=actor, conclusion=cleaned)
