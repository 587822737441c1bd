"""Matrix rows of the staff pages and API of applications and their review, and of the
bad-conduct form on the household page.

Applications belong to a community: only the district-wide roles, the street above it
and the community itself see them. The operator clerk and the property staff work on
the E1 side but see no application, so they get 404 where the E1-side staff get 403."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import ric

from anju.admission.models import ApplicationStatus, Decision, FlagStatus
from anju.admission.services.review import review_decide
from anju.core import services as core_services
from anju.core.roles import Role
from anju.testing.admission import PDF, approve, make_application
from anju.testing.cast import IDS
from anju.testing.matrix import (
    ADMISSION_VIEW,
    APPLICATION_ENTER,
    APPLICATION_REVIEW,
    CONDUCT_RECORD,
    Row,
    _api,
    _list,
    _object,
    _r,
)

NOT_SEEN = {"operator": 404, "repairer": 404, "propmgr": 404}

# API list items name a community; the matrix compares estates: each side's community
# stands for its estate. Filled in by `build`.
ESTATE_OF_COMMUNITY: dict[int, int] = {}


def matrix_id(seq: int) -> str:
    body = f"14040219720909{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def build(world) -> None:
    cast = world.cast
    ESTATE_OF_COMMUNITY.clear()
    ESTATE_OF_COMMUNITY.update({cast.community_a.pk: cast.e1.pk, cast.community_b.pk: cast.e2.pk})
    sides = {
        "in": (cast.community_a, cast.community, "矩阵甲"),
        "out": (cast.community_b, cast.officer, "矩阵乙"),
    }
    drafts, spouses, documents = {}, {}, {}
    for n, (side, (community, actor, name)) in enumerate(sides.items()):
        draft = make_application(
            cast,
            actor=actor,
            community=community,
            submit=False,
            members=(
                (name, matrix_id(10 * n + 1), "head", "1200"),
                (f"{name}妻", matrix_id(10 * n + 2), "spouse", "800"),
            ),
        )
        drafts[side] = draft
        spouses[side] = draft.members.get(relation="spouse")
        documents[side] = draft.documents.first()
    # One application at each level on the E1 side; the community one carries a flag
    # (a member of Alice's household applies again).
    at_level = {}
    for n, through in enumerate(
        (
            ApplicationStatus.COMMUNITY_REVIEW,
            ApplicationStatus.STREET_REVIEW,
            ApplicationStatus.AUTHORITY_REVIEW,
        )
    ):
        members = [(f"矩阵审{n}", matrix_id(30 + n), "head", "1300")]
        if through == ApplicationStatus.COMMUNITY_REVIEW:
            members.append(("王乐乐", IDS["alice_child"], "child", "0"))
        at_level[through] = approve(make_application(cast, members=members), cast, through=through)
    # On the E2 side, one at the authority's level, flagged (Charlie applies).
    out = make_application(
        cast,
        actor=cast.officer,
        community=cast.community_b,
        members=(
            ("矩阵外", matrix_id(40), "head", "1300"),
            ("张查理", IDS["charlie"], "other", "0"),
        ),
    )
    for username, role, org in (
        ("matrix-cb", Role.COMMUNITY_WORKER, cast.community_b),
        ("matrix-sb", Role.STREET_REVIEWER, cast.street_b),
    ):
        reviewer = core_services.user_create(
            actor=None,
            username=username,
            full_name=username,
            organisation=org,
            roles=[role],
            password="Matrix-pass-2026!",
        )
        review_decide(out, actor=reviewer, decision=Decision.APPROVE)
    world.extra["applications"] = {
        "drafts": drafts,
        "spouses": spouses,
        "documents": documents,
        "at_level": at_level,
        "out": out,
        "flags": {
            "in": at_level[ApplicationStatus.COMMUNITY_REVIEW]
            .flags.filter(status=FlagStatus.OPEN, member__name="王乐乐")
            .first(),
            "out": out.flags.filter(status=FlagStatus.OPEN, member__name="张查理").first(),
        },
    }


def _x(world):
    return world.extra["applications"]


def _draft(w, side):
    return _x(w)["drafts"][side]


def _to_review(w, side, role):
    """The application the role reviews now: its own level's on the E1 side."""
    x = _x(w)
    if side == "out":
        return _r("application_review", x["out"].pk)
    status = {
        "street": ApplicationStatus.STREET_REVIEW,
        "officer": ApplicationStatus.AUTHORITY_REVIEW,
    }.get(role, ApplicationStatus.COMMUNITY_REVIEW)
    return _r("application_review", x["at_level"][status].pk)


def _declared(w, side):
    return {
        "category": "low_income",
        "current_housing": "private_rent",
        "address": "长治市L区英雄南路2号",
        "housing_area_m2": "0",
        "vehicles": "0",
        "deposits": "10000",
        "residence_years": "6",
        "insurance_months": "30",
    }


ROWS = [
    Row(
        "application_list",
        _list("application_list"),
        allowed=ADMISSION_VIEW,
        scope="none",
        marks=("矩阵甲", "矩阵乙"),
    ),
    Row("review_task_list", _list("review_task_list"), allowed=APPLICATION_REVIEW, scope="none"),
    Row(
        "application_create",
        _list("application_create"),
        methods=("GET", "POST"),
        allowed=APPLICATION_ENTER,
        scope="none",
        data=lambda w, side: {"community": w.cast.community_a.pk, **_declared(w, side)},
    ),
    Row(
        "application_detail",
        _object("application_detail", _draft),
        allowed=ADMISSION_VIEW,
        override=NOT_SEEN,
    ),
    Row(
        "application_declared",
        _object("application_declared", _draft),
        methods=("GET", "POST"),
        allowed=APPLICATION_ENTER,
        override=NOT_SEEN,
        data=_declared,
    ),
    Row(
        "application_members",
        _object("application_members", _draft),
        methods=("GET", "POST"),
        allowed=APPLICATION_ENTER,
        override=NOT_SEEN,
        data=lambda w, side: {
            "name": "矩阵子",
            "id_number": matrix_id(50),
            "relation": "child",
            "monthly_income": "0",
            "grounds": ["illness"],
        },
    ),
    Row(
        "application_member_remove",
        lambda w, side, role: _r(
            "application_member_remove", _draft(w, side).pk, _x(w)["spouses"][side].pk
        ),
        methods=("POST",),
        allowed=APPLICATION_ENTER,
        override=NOT_SEEN,
        data=lambda w, side: {},
    ),
    Row(
        "application_documents",
        _object("application_documents", _draft),
        methods=("GET", "POST"),
        allowed=APPLICATION_ENTER,
        override=NOT_SEEN,
        data=lambda w, side: {
            "doc_type": "other",
            "title": "补充材料",
            "file": SimpleUploadedFile("extra.pdf", PDF, "application/pdf"),
        },
    ),
    Row(
        "application_document_download",
        lambda w, side, role: _r(
            "application_document_download", _draft(w, side).pk, _x(w)["documents"][side].pk
        ),
        allowed=ADMISSION_VIEW,
        override=NOT_SEEN,
    ),
    Row(
        "application_consent",
        _object("application_consent", _draft),
        methods=("POST",),
        allowed=APPLICATION_ENTER,
        override=NOT_SEEN,
        data=lambda w, side: {},
    ),
    Row(
        "application_submit",
        _object("application_submit", _draft),
        methods=("GET", "POST"),
        allowed=APPLICATION_ENTER,
        override=NOT_SEEN,
        data=lambda w, side: {},
    ),
    Row(
        "application_withdraw",
        _object("application_withdraw", _draft),
        methods=("POST",),
        allowed=APPLICATION_ENTER,
        override=NOT_SEEN,
        data=lambda w, side: {"reason": "家庭自愿撤回"},
    ),
    Row(
        "application_review",
        _to_review,
        methods=("POST",),
        allowed=APPLICATION_REVIEW,
        override=NOT_SEEN,
        data=lambda w, side: {"decision": "return", "items": "补充收入证明\n补充户口本"},
    ),
    Row(
        "application_flag_resolve",
        lambda w, side, role: _r(
            "application_flag_resolve",
            _x(w)["flags"][side].application_id,
            _x(w)["flags"][side].pk,
        ),
        methods=("POST",),
        allowed=APPLICATION_REVIEW,
        override=NOT_SEEN,
        data=lambda w, side: {"status": "cleared", "resolution": "已核实为同一家庭成员"},
    ),
    Row(
        "household_conduct_record",
        lambda w, side, role: _r("household_conduct_record", w.household(side).pk),
        methods=("POST",),
        allowed=CONDUCT_RECORD,
        data=lambda w, side: {
            "member": w.heads[side].pk,
            "reason": "sublet",
            "occurred_on": date(2025, 6, 1).isoformat(),
            "banned_until": date(2030, 6, 1).isoformat(),
            "details": "转租他人",
        },
    ),
    Row(
        "api-1:application_list",
        _list("api-1:application_list"),
        allowed=ADMISSION_VIEW,
        scope="none",
        api=True,
        api_estates=lambda item: ESTATE_OF_COMMUNITY.get(item["community_id"]),
    ),
    Row(
        "api-1:application_detail",
        _api("api-1:application_detail", "application_id", _draft),
        allowed=ADMISSION_VIEW,
        api=True,
        override=NOT_SEEN,
    ),
]
