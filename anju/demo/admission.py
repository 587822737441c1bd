"""The demo's admission path: this year's rules and last year's, applications at every
step, a verification batch with a mismatch, a public notice open for objections, a
closed notice whose households wait on the list, and one allocation round drawn,
published, chosen, signed and moved into. Everything goes through the real services,
so the audit log and the archives tell the same story a real district's would."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from anju.admission.models import Application, Decision, RuleSet
from anju.admission.selectors.allocation import units_choosable
from anju.admission.services import (
    allocation,
    lease,
    notice,
    review,
    rules,
    verification,
    waiting,
)
from anju.admission.services import applications as apps
from anju.admission.services import selection as choosing
from anju.core import pii
from anju.core.models import Organisation, User
from anju.core.roles import Role
from anju.households.models import Member
from anju.housing.models import Unit, UnitStatus

from . import names as N
from .people import People

# A one-page PDF, the scan every demo document stands for.
SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
APPLICANT_USERNAME = "applicant"
# How many applications the demo leaves at each step.
STEPS = {
    "draft": 2,
    "community_review": 3,
    "street_review": 2,
    "authority_review": 3,
    "returned": 1,
    "rejected": 1,
    "false_declaration": 1,
    "approved": 2,
    "in_notice": 3,
    "waiting": 10,
}


class _Demo:
    def __init__(self, seed: int, say):
        self.rng = random.Random(seed * 7 + 3)
        self.people = People(self.rng, N.STREETS)
        self.say = say
        self.taken = set(Member.objects.values_list("id_number_hash", flat=True))
        users = {u.username: u for u in User.objects.filter(username__in=self._usernames())}
        self.officer = users["officer"]
        self.street = users["street"]
        self.community_user = users["community"]
        self.operator = users.get("operator")
        self.agency = users.get("agency")
        self.community = self.community_user.organisation
        self.other_communities = list(
            Organisation.objects.filter(kind="community").exclude(pk=self.community.pk)[:3]
        )

    @staticmethod
    def _usernames():
        return ["officer", "street", "community", "operator", "agency"]

    # --- people ---------------------------------------------------------------

    def family(self, category: str):
        """A family drawn like the district's own households, whose ID numbers no
        current member holds."""
        while True:
            members = self.people.household(category, timezone.localdate())
            hashes = {pii.blind_index(m.id_number) for m in members}
            if not hashes & self.taken:
                self.taken |= hashes
                return members

    # --- stages ---------------------------------------------------------------

    def rules(self) -> RuleSet:
        last = rules.ruleset_create(
            actor=self.officer,
            year=2025,
            effective_from=date(2025, 1, 1),
            source="长治市L区公共租赁住房准入条件(2025年度)",
        )
        rules.ruleset_publish(last, actor=self.officer)
        this = rules.ruleset_create(
            actor=self.officer,
            year=2026,
            effective_from=date(2026, 1, 1),
            source="长治市L区公共租赁住房准入条件(2026年度)",
        )
        return rules.ruleset_publish(this, actor=self.officer)

    def category(self) -> str:
        """Most applicants are low-income families; the others are spread over the
        categories the rules offer."""
        return self.rng.choices(
            ["low_income", "lower_middle", "new_employee", "migrant_worker", "special"],
            weights=[50, 25, 10, 10, 5],
        )[0]

    def application(self, *, community=None, category="low_income", account=None):
        rng = self.rng
        application = apps.application_create(
            actor=account or self.community_user,
            community=community or self.community,
            category=category,
            channel="portal" if account else "counter",
            account=account,
            current_housing=rng.choice(["private_rent", "relatives", "none"]),
            address=f"{N.CITY}{N.DISTRICT}{rng.choice(N.ROADS)}{rng.randint(1, 300)}号",
            residence_years=rng.randint(3, 20),
            insurance_months=rng.randint(6, 120),
            housing_area_m2=Decimal(rng.choice([0, 0, 0, 12])),
            needs_accessible=rng.random() < 0.15,
        )
        actor = account or self.community_user
        for m in self.family(category):
            apps.application_member_add(
                application,
                actor=actor,
                name=m.name,
                id_number=m.id_number,
                relation=m.relation,
                phone=m.phone,
                monthly_income=m.monthly_income,
                employer=m.employer,
                hukou=m.hukou,
                disability=m.disability,
                grounds=["veteran"] if m.special_care == "退役军人" else [],
            )
        for doc_type in apps.REQUIRED_DOCUMENTS:
            apps.application_document_add(
                application,
                actor=account or self.community_user,
                doc_type=doc_type,
                title="",
                file=ContentFile(SCAN, name=f"{doc_type}.pdf"),
            )
        apps.application_consent(application, actor=account or self.community_user)
        return application

    def advance(self, application: Application, through: str) -> Application:
        """Approve level by level until the application reaches `through`."""
        reviewers = {
            "community_review": self.community_user,
            "street_review": self.street,
            "authority_review": self.officer,
        }
        if application.status == "draft":
            apps.application_submit(application, actor=self.community_user)
        while application.status != through and application.status in reviewers:
            review.review_decide(
                application, actor=reviewers[application.status], decision=Decision.APPROVE
            )
            application.refresh_from_db()
        return application

    def run(self) -> dict[str, int]:
        ruleset = self.rules()
        made: dict[str, list[Application]] = {step: [] for step in STEPS}
        account = User.objects.filter(username=APPLICANT_USERNAME).first()
        for step, count in STEPS.items():
            for n in range(count):
                portal = step == "in_notice" and n == 0 and account is None
                if portal:
                    account = _applicant_account()
                application = self.application(
                    account=account if portal else None, category=self.category()
                )
                made[step].append(application)
        self.say("      applications entered")
        for application in made["community_review"]:
            self.advance(application, "community_review")
        for application in made["street_review"]:
            self.advance(application, "street_review")
        for application in made["authority_review"]:
            self.advance(application, "authority_review")
        self.advance(made["returned"][0], "street_review")
        review.review_decide(
            made["returned"][0],
            actor=self.street,
            decision=Decision.RETURN,
            items=["补充提交近6个月收入证明", "户口簿首页复印件不清晰"],
        )
        self.advance(made["rejected"][0], "community_review")
        review.review_decide(
            made["rejected"][0],
            actor=self.community_user,
            decision=Decision.REJECT,
            reason="家庭人均收入超过本年度低收入家庭标准",
        )
        self.advance(made["false_declaration"][0], "street_review")
        review.review_decide(
            made["false_declaration"][0],
            actor=self.street,
            decision=Decision.REJECT,
            reason="隐瞒名下商铺一处",
            false_declaration=True,
        )
        for application in made["approved"] + made["in_notice"] + made["waiting"]:
            self.advance(application, "approved")
        self.say("      three-level reviews done")
        self.verify(made["authority_review"])
        today = timezone.localdate()
        # The demo happens in one day, so the first notice is one already posted on the
        # community's board for the whole period up to yesterday; it closes today.
        closed = notice.notice_publish(
            actor=self.officer,
            applications=made["waiting"],
            title="2026年第一批公共租赁住房保障对象公示",
            starts_on=today - timedelta(days=ruleset.notice_days),
        )
        notice.notice_close(closed, actor=self.officer, on=today)
        open_notice = notice.notice_publish(
            actor=self.officer,
            applications=made["in_notice"],
            title="2026年第二批公共租赁住房保障对象公示",
            starts_on=today - timedelta(days=1),
        )
        entry = open_notice.entries.first()
        notice.objection_lodge(
            open_notice,
            entry=entry,
            text="该户家庭成员名下疑似有小汽车一辆,请核实。",
            anonymous=True,
        )
        self.say("      notices published")
        housed = self.round(ruleset, made["waiting"])
        return {
            "applications": sum(len(v) for v in made.values()),
            "notices": 2,
            "rounds": 1,
            "housed": housed,
        }

    def verify(self, applications) -> None:
        batches = verification.verification_batches_create(
            actor=self.officer, applications=applications, send=True
        )
        civil = next((b for b in batches if b.agency.agency_function == "civil_affairs"), None)
        vehicles = next(
            (b for b in batches if b.agency.agency_function == "vehicle_registry"), None
        )
        for batch, found, value in ((civil, False, ""), (vehicles, True, "1")):
            if batch is None:
                continue
            request = batch.requests.order_by("id").first()
            verification.request_answer(
                request, actor=self.agency or self.officer, found=found, value=value
            )

    def round(self, ruleset: RuleSet, waiting_applications) -> int:
        units = list(
            Unit.objects.filter(status=UnitStatus.VACANT, area_m2__lte=60).order_by("code")[:4]
        )
        if len(units) < 4:
            return 0
        rnd = allocation.round_create(
            actor=self.officer, title="2026年第一批公共租赁住房配租", ruleset=ruleset, units=units
        )
        allocation.round_add_entrants(rnd, actor=self.officer)
        allocation.round_close(rnd, actor=self.officer)
        allocation.round_draw(rnd, actor=self.officer)
        allocation.round_publish(rnd, actor=self.officer)
        clerk = self.officer
        housed, refused = 0, False
        for entrant in rnd.entrants.order_by("order"):
            entrant.refresh_from_db()
            if entrant.status != "waiting_turn":
                continue
            if housed == 1 and not refused:  # one household turns its turn down
                choosing.entrant_refuse(
                    entrant, actor=clerk, reason="距离工作单位太远", valid=False
                )
                refused = True
                continue
            choice = units_choosable(entrant).first()
            if choice is None:
                choosing.entrant_skip_no_unit(entrant, actor=clerk)
                continue
            selection = choosing.selection_choose(entrant, actor=clerk, unit=choice)
            offer = lease.lease_offer_create(selection, actor=clerk, start=timezone.localdate())
            lease.lease_offer_sign(
                offer, actor=clerk, signed_scan_file=ContentFile(SCAN, name="signed.pdf")
            )
            lease.move_in_handover(
                offer,
                actor=clerk,
                checklist=[
                    {"item": item, "ok": True, "note": ""} for item in lease.CHECKLIST_ITEMS
                ],
                meter_readings={"water": "12.5", "electricity": "350.2", "gas": "8.0"},
                keys=3,
                cards=2,
            )
            housed += 1
        allocation.round_complete(rnd, actor=self.officer)
        waiting.waiting_recompute(reason="allocated")
        return housed


def _applicant_account():
    from anju.core import services as core_services

    from .district import DEMO_PASSWORD

    return core_services.user_create(
        actor=None,
        username=APPLICANT_USERNAME,
        full_name="网上申请人",
        organisation=None,
        roles=[Role.TENANT],
        password=DEMO_PASSWORD,
    )


def generate_admission(*, seed: int, say) -> dict[str, int]:
    if RuleSet.objects.exists():
        say("      admission rules already exist; the admission demo is skipped")
        return {}
    return _Demo(seed, say).run()
