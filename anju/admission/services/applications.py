"""Applications: created online or at the counter, filled in with members, declared
means and documents, checked for completeness, and submitted for review."""

import unicodedata
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, pii, timeline, uploads
from anju.core.errors import DomainError
from anju.core.workdays import add_working_days
from anju.households import services as hh
from anju.households.models import DocumentType, HouseholdStatus, Relation

from ..models import (
    APPLICATION_TRANSITIONS,
    STATUS_OF_LEVEL,
    Application,
    ApplicationDocument,
    ApplicationMember,
    ApplicationStatus,
    PriorityGround,
    ReviewLevel,
)
from .rules import ruleset_in_force

timeline.register(
    "application.created", gettext_lazy("Application %(number)s started (%(channel)s)")
)
timeline.register(
    "application.submitted", gettext_lazy("Application submitted for %(level)s review")
)
timeline.register("application.withdrawn", gettext_lazy("Application withdrawn: %(reason)s"))
timeline.register("application.document", gettext_lazy("Application document added: %(title)s"))

DECLARED_FIELDS = [
    "category",
    "current_housing",
    "housing_area_m2",
    "address",
    "vehicles",
    "deposits",
    "owns_business",
    "residence_years",
    "insurance_months",
    "needs_accessible",
]
EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.RETURNED})
# Documents every application carries; the completeness check names each one missing.
REQUIRED_DOCUMENTS = [DocumentType.ID_CARD, DocumentType.HUKOU, DocumentType.INCOME]
MEMBER_FIELDS = ["name", "relation", "id_number_masked", "monthly_income", "disability", "grounds"]


def name_key(name: str) -> str:
    """A name as the likely-duplicate check compares it: full-width forms folded,
    spaces and middle dots removed, Latin letters lower-cased."""
    folded = unicodedata.normalize("NFKC", name or "")
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "·•.").lower()


def application_create(
    *, actor, community, category: str, channel: str, account=None, ruleset=None, **declared
) -> Application:
    """A draft application, and the household archive its story is written to."""
    unknown = set(declared) - set(DECLARED_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if community is None or community.kind != "community":
        raise DomainError(
            _("Choose the community that receives the application."), code="community"
        )
    ruleset = ruleset or ruleset_in_force()
    for attempt in range(5):
        try:
            return _create(actor, ruleset, community, category, channel, account, declared)
        except IntegrityError:  # two counters took the same number at once; take the next
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _next_number(year: int) -> str:
    prefix = f"SQ{year}"
    last = (
        Application.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:06d}"


def _create(actor, ruleset, community, category, channel, account, declared) -> Application:
    with transaction.atomic():
        number = _next_number(ruleset.year)
        household = hh.household_create(
            actor=actor,
            number=number,
            category=category,
            community=community,
            status=HouseholdStatus.APPLICANT,
        )
        application = Application.objects.create(
            number=number,
            ruleset=ruleset,
            category=category,
            channel=channel,
            community=community,
            household=household,
            account=account,
            created_by=actor,
            **declared,
        )
        # An account links to its newest application; a closed archive (an earlier
        # application rejected or withdrawn) stays behind as it is.
        if account is not None and (account.household_id is None or account.household.closed_at):
            account.household = household
            account.save(update_fields=["household"])
        audit.record(
            actor=actor,
            action="application.create",
            target=application,
            changes=audit.snapshot(application, ["number", "channel", *DECLARED_FIELDS]),
        )
        timeline.add(
            "application.created",
            actor=actor,
            for_household=household,
            number=number,
            channel=channel,
        )
    return application


def _editable(application: Application) -> None:
    if application.status not in EDITABLE_STATUSES:
        raise DomainError(
            _("Application %(n)s can no longer be changed (%(s)s).")
            % {"n": application.number, "s": application.get_status_display()},
            code="not_editable",
        )


def application_update(application: Application, *, actor, **values) -> Application:
    _editable(application)
    unknown = set(values) - set(DECLARED_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = audit.snapshot(application, DECLARED_FIELDS)
    for key, value in values.items():
        setattr(application, key, value)
    changes = audit.diff(before, audit.snapshot(application, DECLARED_FIELDS))
    if not changes:
        return application
    with transaction.atomic():
        application.save(update_fields=list(changes))
        audit.record(actor=actor, action="application.update", target=application, changes=changes)
    return application


def application_member_add(
    application: Application,
    *,
    actor,
    name: str,
    id_number: str,
    relation: str,
    phone: str = "",
    monthly_income: Decimal | str = Decimal("0"),
    employer: str = "",
    hukou: str = "",
    disability: str = "",
    grounds=(),
) -> ApplicationMember:
    _editable(application)
    if relation not in Relation.values:
        raise DomainError(_("Unknown relation to the applicant."), code="bad_relation")
    if relation == Relation.HEAD and application.members.filter(relation=Relation.HEAD).exists():
        raise DomainError(_("The application already names its applicant."), code="head_exists")
    bad = set(grounds) - set(PriorityGround.values)
    if bad:
        raise DomainError(_("Unknown priority grounds: %(g)s") % {"g": ", ".join(sorted(bad))})
    if not (name or "").strip():
        raise DomainError(_("A member needs a name."), code="name_required")
    income = Decimal(str(monthly_income or 0))
    if income < 0:
        raise DomainError(_("An income cannot be negative."), code="bad_income")
    number = pii.validate_id_number(id_number)
    member = ApplicationMember(
        application=application,
        name=name.strip(),
        name_key=name_key(name),
        relation=relation,
        id_number_enc=pii.encrypt(number),
        id_number_hash=pii.blind_index(number),
        id_number_masked=pii.mask_id_number(number),
        birth_date=pii.id_birth_date(number),
        sex=pii.id_sex(number),
        monthly_income=income,
        employer=employer,
        hukou=hukou,
        disability=disability,
        grounds=sorted(set(grounds)),
    )
    if (phone or "").strip():
        phone = pii.validate_phone(phone)
        member.phone_enc, member.phone_masked = pii.encrypt(phone), pii.mask_phone(phone)
    try:
        with transaction.atomic():
            member.save()
            audit.record(
                actor=actor,
                action="application.member_add",
                target=member,
                changes={
                    "application": application.number,
                    **audit.snapshot(member, MEMBER_FIELDS),
                },
            )
    except IntegrityError:
        raise DomainError(
            _("%(id)s is already a member of this application.") % {"id": member.id_number_masked},
            code="duplicate_member",
        ) from None
    return member


def application_member_remove(member: ApplicationMember, *, actor) -> None:
    application = member.application
    _editable(application)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="application.member_remove",
            target=member,
            changes={"application": application.number, "name": member.name},
        )
        member.delete()


def application_document_add(
    application: Application, *, actor, doc_type: str, title: str, file
) -> ApplicationDocument:
    _editable(application)
    if doc_type not in DocumentType.values:
        raise DomainError(_("Unknown document type."), code="bad_doc_type")
    uploads.check_document(file)
    title = (title or "").strip() or str(DocumentType(doc_type).label)
    with transaction.atomic():
        document = ApplicationDocument.objects.create(
            application=application, doc_type=doc_type, title=title, file=file, uploaded_by=actor
        )
        audit.record(
            actor=actor,
            action="application.document_add",
            target=document,
            changes={"application": application.number, "type": doc_type, "title": title},
        )
        timeline.add(
            "application.document", actor=actor, for_household=application.household, title=title
        )
    return document


def application_consent(application: Application, *, actor) -> Application:
    _editable(application)
    if application.consent_at:
        return application
    with transaction.atomic():
        application.consent_at = timezone.now()
        application.save(update_fields=["consent_at"])
        audit.record(
            actor=actor,
            action="application.consent",
            target=application,
            changes={"consent_at": application.consent_at},
        )
    return application


def application_missing(application: Application) -> list[str]:
    """Every item still missing before the application can be submitted, in words."""
    missing = []
    members = list(application.members.all())
    if not any(m.relation == Relation.HEAD for m in members):
        missing.append(_("the applicant (a member with relation “head of household”)"))
    if not application.current_housing:
        missing.append(_("the family's current housing"))
    if not application.address.strip():
        missing.append(_("the current address"))
    have = {d.doc_type for d in application.documents.all()}
    for doc_type in REQUIRED_DOCUMENTS:
        if doc_type not in have:
            missing.append(_("a scan of the %(doc)s") % {"doc": DocumentType(doc_type).label})
    if not application.consent_at:
        missing.append(_("the applicant's consent to checks of the family's data"))
    return missing


def set_status(application: Application, status: str, *, fields=()) -> None:
    """Move an application along `APPLICATION_TRANSITIONS`; the other services call this
    inside their own transaction."""
    allowed = APPLICATION_TRANSITIONS.get(application.status, frozenset())
    if status not in allowed:
        raise DomainError(
            _("Application %(n)s cannot go from “%(old)s” to “%(new)s”.")
            % {
                "n": application.number,
                "old": application.get_status_display(),
                "new": ApplicationStatus(status).label,
            },
            code="bad_transition",
        )
    application.status = status
    application.save(update_fields=["status", *fields])


def application_submit(application: Application, *, actor) -> Application:
    """Submit (or resubmit after a return) for review. The pre-check and the duplicate
    and ban checks run now, so the first reviewer sees their results."""
    from .flags import application_flags_check
    from .precheck import application_precheck

    _editable(application)
    missing = application_missing(application)
    if missing:
        raise DomainError(
            _("The application is incomplete. Missing: %(items)s.")
            % {"items": _("; ").join(missing)},
            code="incomplete",
        )
    level = application.returned_level or ReviewLevel.COMMUNITY
    with transaction.atomic():
        application_precheck(application)
        application_flags_check(application)
        application.submitted_at = timezone.now()
        application.due_on = add_working_days(timezone.localdate(), application.ruleset.review_days)
        application.returned_level = ""
        set_status(
            application,
            STATUS_OF_LEVEL[level],
            fields=["submitted_at", "due_on", "returned_level"],
        )
        audit.record(
            actor=actor,
            action="application.submit",
            target=application,
            changes={"status": application.status, "due_on": application.due_on},
        )
        timeline.add(
            "application.submitted",
            actor=actor,
            for_household=application.household,
            level=level,
        )
    return application


def application_withdraw(application: Application, *, actor, reason: str) -> Application:
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for withdrawing."), code="reason_required")
    with transaction.atomic():
        application.decided_at = timezone.now()
        application.decision_reason = reason.strip()
        set_status(
            application, ApplicationStatus.WITHDRAWN, fields=["decided_at", "decision_reason"]
        )
        hh_close(application, reason.strip())
        audit.record(
            actor=actor,
            action="application.withdraw",
            target=application,
            changes={"reason": reason},
        )
        timeline.add(
            "application.withdrawn", actor=actor, for_household=application.household, reason=reason
        )
    return application


def hh_close(application: Application, reason: str) -> None:
    """Close the household archive of an application that ends without housing. The
    archive is kept, never deleted."""
    household = application.household
    household.closed_at = timezone.now()
    household.closed_reason = reason[:200]
    household.status = HouseholdStatus.EXITED
    household.save(update_fields=["closed_at", "closed_reason", "status"])
