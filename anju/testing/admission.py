"""Building admission state for tests through the real services: a published rule
set, applications at any step, approved households."""

from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile

from anju.admission.models import ApplicationStatus, Decision, RuleSet
from anju.admission.services import applications as apps
from anju.admission.services.review import review_decide
from anju.admission.services.rules import ruleset_create, ruleset_publish

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Valid resident ID numbers (check digits correct) for applicants in tests.
APPLICANT_IDS = [
    "140402198001010019",
    "140402198202020029",
    "140402198503030036",
    "14040219900404004X",
    "140402199505050051",
    "140402200006060066",
    "140402201007070076",
    "140402195008080083",
]


def make_ruleset(actor, *, year: int = 2026, effective_from: date = date(2026, 1, 1)) -> RuleSet:
    existing = RuleSet.objects.filter(year=year).first()
    if existing:
        return existing
    ruleset = ruleset_create(actor=actor, year=year, effective_from=effective_from, source="test")
    return ruleset_publish(ruleset, actor=actor)


def make_application(
    cast,
    *,
    actor=None,
    community=None,
    category: str = "low_income",
    members=(("申请人", APPLICANT_IDS[0], "head", "1400"),),
    submit: bool = True,
    **declared,
):
    """An application with its members, the required documents and consent; submitted
    unless `submit=False`. `members` are (name, ID number, relation, monthly income)."""
    actor = actor or cast.community
    make_ruleset(cast.officer)
    values = {
        "current_housing": "private_rent",
        "address": "长治市L区英雄南路1号",
        "residence_years": 5,
        "insurance_months": 24,
        **declared,
    }
    application = apps.application_create(
        actor=actor,
        community=community or cast.community_a,
        category=category,
        channel="counter",
        **values,
    )
    for name, id_number, relation, income in members:
        apps.application_member_add(
            application,
            actor=actor,
            name=name,
            id_number=id_number,
            relation=relation,
            monthly_income=Decimal(income),
        )
    for doc_type in apps.REQUIRED_DOCUMENTS:
        apps.application_document_add(
            application,
            actor=actor,
            doc_type=doc_type,
            title=str(doc_type),
            file=ContentFile(PDF, name=f"{doc_type}.pdf"),
        )
    apps.application_consent(application, actor=actor)
    if submit:
        apps.application_submit(application, actor=actor)
    return application


def approve(application, cast, *, through: str = ApplicationStatus.APPROVED):
    """Approve at each level in turn until the application reaches `through`."""
    reviewers = {
        ApplicationStatus.COMMUNITY_REVIEW: cast.community,
        ApplicationStatus.STREET_REVIEW: cast.street,
        ApplicationStatus.AUTHORITY_REVIEW: cast.officer,
    }
    while application.status != through and application.status in reviewers:
        review_decide(application, actor=reviewers[application.status], decision=Decision.APPROVE)
        application.refresh_from_db()
    return application
