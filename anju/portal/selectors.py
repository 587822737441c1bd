"""Reads for the applicant's pages: where the application stands on the path
community → street → authority → public notice → waiting list, in words."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from anju.admission.models import (
    Application,
    ApplicationStatus,
    Decision,
    NoticeEntry,
    ReviewLevel,
)
from anju.admission.services import applications as apps
from anju.admission.services.rules import ruleset_in_force
from anju.core.errors import DomainError
from anju.households.models import Relation

STEPS = [
    (ReviewLevel.COMMUNITY, _("Community review")),
    (ReviewLevel.STREET, _("Street office review")),
    (ReviewLevel.AUTHORITY, _("Authority review")),
    ("notice", _("Public notice")),
    ("waiting", _("Waiting list")),
]
STEP_INDEX = {code: i for i, (code, _label) in enumerate(STEPS)}
# Where the application is on the path in each status; `None` for "not on the path".
CURRENT_STEP = {
    ApplicationStatus.COMMUNITY_REVIEW: 0,
    ApplicationStatus.STREET_REVIEW: 1,
    ApplicationStatus.AUTHORITY_REVIEW: 2,
    ApplicationStatus.APPROVED: 3,
    ApplicationStatus.IN_NOTICE: 3,
    ApplicationStatus.WAITING: 4,
    ApplicationStatus.HOUSED: 5,
}


@dataclass
class Step:
    code: str
    label: str
    state: str  # done, current, returned, rejected, todo
    on: date | None = None
    note: str = ""


def _notice(application: Application) -> NoticeEntry | None:
    return (
        NoticeEntry.objects.filter(application=application)
        .select_related("notice")
        .order_by("-notice__starts_on", "-id")
        .first()
    )


def progress(application: Application, reviews) -> list[Step]:
    """One `Step` per stage of the path, with the date each finished stage was passed."""
    approved_on = {}
    for review in reviews:
        if review.decision == Decision.APPROVE:
            approved_on[review.level] = timezone.localdate(review.at)
    steps = [Step(code, str(label), "todo") for code, label in STEPS]
    status = application.status
    current = CURRENT_STEP.get(status)
    if status == ApplicationStatus.RETURNED:
        current = STEP_INDEX.get(application.returned_level, 0)
    elif status == ApplicationStatus.REJECTED:
        rejected = next((r for r in reversed(reviews) if r.decision == Decision.REJECT), None)
        current = STEP_INDEX[rejected.level] if rejected else STEP_INDEX["notice"]
    if current is None:  # a draft, or withdrawn
        return steps
    for i, step in enumerate(steps):
        if i < current:
            step.state, step.on = "done", approved_on.get(step.code)
    if current > STEP_INDEX["notice"]:
        entry = _notice(application)
        steps[STEP_INDEX["notice"]].on = entry.notice.ends_on if entry else None
    if current >= len(steps):
        return steps
    step = steps[current]
    step.state = {
        ApplicationStatus.RETURNED: "returned",
        ApplicationStatus.REJECTED: "rejected",
    }.get(status, "current")
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.IN_NOTICE):
        entry = _notice(application) if status == ApplicationStatus.IN_NOTICE else None
        if entry is not None:
            step.on = entry.notice.ends_on
            step.note = str(
                _("On public notice from %(start)s until %(end)s.")
                % {"start": entry.notice.starts_on, "end": entry.notice.ends_on}
            )
        else:
            step.note = str(_("Approved; the household joins the next public notice."))
    elif step.state == "current" and application.due_on:
        step.note = str(_("Decision due by %(date)s.") % {"date": application.due_on})
    return steps


def reviewer_name(application: Application) -> str:
    """Who reviews the application now, by name: the community office, the street
    office above it, or the authority."""
    level = application.review_level
    if level == ReviewLevel.COMMUNITY:
        return application.community.name
    if level == ReviewLevel.STREET and application.community.parent_id:
        return application.community.parent.name
    return str(_("The housing-security authority"))


def _money(value) -> str:
    return f"¥{int(value):,}" if value == int(value) else f"¥{value:,.2f}"


def _number(value) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:,.2f}"


def rule_lines(rule) -> list[str]:
    """One category's conditions in words, each limit the rule set holds."""
    lines = []
    if rule.income_limit is not None:
        lines.append(
            _("Income per person at most %(v)s a month") % {"v": _money(rule.income_limit)}
        )
    if rule.housing_area_limit is not None:
        lines.append(
            _("Housing owned at most %(v)s m² per person") % {"v": _number(rule.housing_area_limit)}
        )
    if rule.max_vehicles is not None:
        lines.append(
            _("No vehicle")
            if rule.max_vehicles == 0
            else ngettext("At most %(n)s vehicle", "At most %(n)s vehicles", rule.max_vehicles)
            % {"n": rule.max_vehicles}
        )
    if rule.deposit_limit is not None:
        lines.append(_("Family savings at most %(v)s") % {"v": _money(rule.deposit_limit)})
    if not rule.business_allowed:
        lines.append(_("No family member owns or runs a business"))
    if rule.min_residence_years:
        lines.append(
            _("At least %(n)s years of local residence or household registration")
            % {"n": rule.min_residence_years}
        )
    if rule.min_insurance_months:
        lines.append(
            _("At least %(n)s months of local social insurance") % {"n": rule.min_insurance_months}
        )
    if rule.min_age is not None:
        lines.append(_("Applicant aged %(n)s or over") % {"n": rule.min_age})
    if rule.max_age is not None:
        lines.append(_("Applicant aged %(n)s or under") % {"n": rule.max_age})
    return [str(line) for line in lines]


def rules_summary():
    """The rule set in force and, per category it offers, its conditions in words; or
    (None, []) when no rules are in force and nobody can apply."""
    try:
        ruleset = ruleset_in_force()
    except DomainError:
        return None, []
    return ruleset, [
        {"category": rule.category, "label": rule.get_category_display(), "lines": rule_lines(rule)}
        for rule in ruleset.categories.all()
    ]


# The steps of applying on the portal, in order: (code, title, URL name).
APPLY_STEPS = [
    ("details", _("Your family's situation"), "portal_application_details"),
    ("members", _("Family members"), "portal_application_members"),
    ("documents", _("Documents"), "portal_application_documents"),
    ("consent", _("Consent to data checks"), "portal_application_consent"),
]


def apply_checklist(application: Application) -> list[dict]:
    """Each step of applying with whether it is done and a short summary of it."""
    members = list(application.members.all())
    have = {d.doc_type for d in application.documents.all()}
    required = apps.REQUIRED_DOCUMENTS
    done_docs = sum(1 for t in required if t in have)
    facts = {
        "details": (
            bool(application.current_housing and application.address.strip()),
            application.get_category_display(),
        ),
        "members": (
            any(m.relation == Relation.HEAD for m in members),
            ngettext("%(n)s member", "%(n)s members", len(members)) % {"n": len(members)},
        ),
        "documents": (
            done_docs == len(required),
            _("%(done)s of %(all)s required documents") % {"done": done_docs, "all": len(required)},
        ),
        "consent": (
            application.consent_at is not None,
            _("Given on %(date)s") % {"date": timezone.localdate(application.consent_at)}
            if application.consent_at
            else _("Not given yet"),
        ),
    }
    return [
        {
            "number": i,
            "code": code,
            "title": str(title),
            "url": url,
            "done": facts[code][0],
            "summary": str(facts[code][1]),
        }
        for i, (code, title, url) in enumerate(APPLY_STEPS, start=1)
    ]
