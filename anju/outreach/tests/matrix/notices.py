"""Scoping-matrix rows of notices and policy publicity: the staff pages (the list, writing
and correcting, a notice's page and files, publishing, withdrawing, sending by SMS,
attaching and removing files), the public site's pages (anyone, signed in or not) and
the portal's (a tenant's own household; staff have none).

Each side gets an important notice for its estate, published, with a question and a
PDF, and a draft for its estate; the district gets one live notice with a PDF for the
public site."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anju.outreach.services import notices as svc
from anju.testing.matrix import OUTREACH_VIEW, PUBLICITY_MANAGE, Row, _list, _r

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLES = {"in": "矩阵公告：康居苑停水通知", "out": "矩阵公告：安泰小区电梯检修"}
PORTAL = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}
PORTAL_POST = {"alice": 302, "charlie": 302, "anonymous": 302, "*": 404}


def _pdf(name="notice.pdf"):
    return SimpleUploadedFile(name, PDF, "application/pdf")


def build(world) -> None:
    officer = world.cast.users["officer"]
    past = timezone.now() - datetime.timedelta(days=1)
    sides, drafts = {}, {}
    for side in ("in", "out"):
        estate = world.estate(side)
        notice = svc.notice_create(
            actor=officer,
            kind="announcement",
            title=TITLES[side],
            body="本周四 9:00–17:00 停水。",
            audience="estate",
            estate=estate,
            important=True,
            questions=[("要储水吗？", "建议提前储水。")],
        )
        svc.notice_attach(notice, actor=officer, file=_pdf(f"{side}.pdf"), title="通知原件")
        sides[side] = svc.notice_publish(notice, actor=officer, publish_at=past)
        drafts[side] = svc.notice_create(
            actor=officer,
            kind="policy",
            title=f"草稿 {side}",
            body="草稿正文",
            audience="estate",
            estate=estate,
        )
    district = svc.notice_create(
        actor=officer,
        kind="explainer",
        title="公租房租金怎么算",
        body="租金按面积和租金标准计算。",
        questions=[("可以减免吗？", "低保家庭可申请减免。")],
    )
    svc.notice_attach(district, actor=officer, file=_pdf("district.pdf"))
    svc.notice_publish(district, actor=officer, publish_at=past)
    world.extra["notices"] = {"sides": sides, "drafts": drafts, "district": district}


def _notice(w, side):
    return w.extra["notices"]["sides"][side]


def _url(name):
    return lambda w, side, role: _r(name, _notice(w, side).pk)


def _file(name):
    def url(w, side, role):
        notice = _notice(w, side)
        return _r(name, notice.pk, notice.attachments.get().pk)

    return url


def _draft(w, side, role):
    return _r("publicity_publish", w.extra["notices"]["drafts"][side].pk)


def _district(name, file=False):
    def url(w, side, role):
        notice = w.extra["notices"]["district"]
        if file:
            return _r(name, notice.pk, notice.attachments.get().pk)
        return _r(name, notice.pk)

    return url


def _tenants(name, file=False):
    """Charlie's own estate's notice for Charlie, Alice's for everyone else."""

    def url(w, side, role):
        notice = _notice(w, "out" if role == "charlie" else "in")
        if file:
            return _r(name, notice.pk, notice.attachments.get().pk)
        return _r(name, notice.pk)

    return url


def _notice_data(w, side):
    return {
        "kind": "announcement",
        "title": "矩阵：新公告",
        "summary": "",
        "body": "正文。",
        "source": "",
        "audience": "district",
        "qa-TOTAL_FORMS": "1",
        "qa-INITIAL_FORMS": "0",
        "qa-MIN_NUM_FORMS": "0",
        "qa-MAX_NUM_FORMS": "30",
        "qa-0-question": "问",
        "qa-0-answer": "答",
    }


ROWS = [
    # --- staff ---
    Row(
        "publicity_list",
        _list("publicity_list"),
        allowed=OUTREACH_VIEW,
        scope="none",
        marks=(TITLES["in"], TITLES["out"]),
    ),
    Row(
        "publicity_create",
        _list("publicity_create"),
        methods=("GET", "POST"),
        allowed=PUBLICITY_MANAGE,
        scope="none",
        data=_notice_data,
    ),
    Row("publicity_detail", _url("publicity_detail"), allowed=OUTREACH_VIEW),
    Row(
        "publicity_edit",
        _url("publicity_edit"),
        methods=("GET", "POST"),
        allowed=PUBLICITY_MANAGE,
        data=_notice_data,
    ),
    Row(
        "publicity_publish",
        _draft,
        methods=("POST",),
        allowed=PUBLICITY_MANAGE,
        data=lambda w, side: {"publish_at": ""},
    ),
    Row(
        "publicity_withdraw",
        _url("publicity_withdraw"),
        methods=("POST",),
        allowed=PUBLICITY_MANAGE,
        data=lambda w, side: {"reason": "内容有误，重新发布"},
    ),
    Row(
        "publicity_push",
        _url("publicity_push"),
        methods=("POST",),
        allowed=PUBLICITY_MANAGE,
        data=lambda w, side: {},
    ),
    Row(
        "publicity_attach",
        _url("publicity_attach"),
        methods=("POST",),
        allowed=PUBLICITY_MANAGE,
        data=lambda w, side: {"title": "附件", "file": _pdf()},
    ),
    Row("publicity_file", _file("publicity_file"), allowed=OUTREACH_VIEW),
    Row(
        "publicity_detach",
        _file("publicity_detach"),
        methods=("POST",),
        allowed=PUBLICITY_MANAGE,
        data=lambda w, side: {},
    ),
    # --- public: no log-in, the same for everyone ---
    Row("publicity_public_list", _list("publicity_public_list"), fixed={"*": 200}),
    Row("publicity_public_detail", _district("publicity_public_detail"), fixed={"*": 200}),
    Row(
        "publicity_public_file",
        _district("publicity_public_file", file=True),
        fixed={"*": 200},
    ),
    # --- portal: the notices of the tenant's own household ---
    Row("portal_notices", _list("portal_notices"), fixed=PORTAL),
    Row("portal_notices_badge", _list("portal_notices_badge"), fixed=PORTAL),
    Row("portal_notice", _tenants("portal_notice"), fixed=PORTAL),
    Row(
        "portal_notice_confirm",
        _tenants("portal_notice_confirm"),
        methods=("POST",),
        fixed=PORTAL_POST,
        data=lambda w, side: {},
    ),
    Row("portal_notice_file", _tenants("portal_notice_file", file=True), fixed=PORTAL),
]
