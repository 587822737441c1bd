"""The demo's evaluations, made through the evaluation services as the authority and
the parties would, then dated back where the story needs a past:

- the seeded default schemes, published by the officer;
- volunteering in 2025 by about one household in eight (good-conduct credit);
- the year 2025 (every party, and every tenant household) and the first two quarters
  of 2026 (the organisations), each computed from the district's records, the manual
  indicators scored with a written comment and the inspection record as evidence,
  disclosed, objected to by a property company and an operator (one objection upheld
  with a corrected value, one rejected), published; their consequences raised and, for
  the earlier periods, partly carried out (fee adjustments applied, rectifications
  reported and verified, interviews held), the latest quarter's last rectification
  left overdue;
- the third quarter of 2026 in progress: disclosed a few days ago, one objection
  resolved, one still pending (the demo property manager's).

Running it again adds nothing."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from anju.core.models import OrgKind, User
from anju.evaluation.models import (
    Consequence,
    ConsequenceKind,
    ConsequenceState,
    Evaluation,
    Objection,
    Period,
    PeriodKind,
    Scheme,
    Score,
)
from anju.evaluation.services import consequences as cq
from anju.evaluation.services import objections as ob
from anju.evaluation.services.consequence_sweeps import consequences_expire
from anju.evaluation.services.manual_scores import score_enter
from anju.evaluation.services.period_compute import period_compute
from anju.evaluation.services.periods import period_disclose, period_open, period_publish
from anju.evaluation.services.schemes import scheme_publish

from .base import TZ

# (kind, first day, the day it was disclosed, the day it was published or None).
D = datetime.date
PERIODS = [
    (PeriodKind.YEAR, D(2025, 1, 1), D(2026, 1, 20), D(2026, 2, 5)),
    (PeriodKind.QUARTER, D(2026, 1, 1), D(2026, 4, 15), D(2026, 4, 28)),
    (PeriodKind.QUARTER, D(2026, 4, 1), D(2026, 7, 14), D(2026, 7, 27)),
    (PeriodKind.QUARTER, D(2026, 7, 1), None, None),  # disclosed days ago
]
COMMENTS = [
    "日常巡查台账完整，问题整改及时。",
    "例行检查发现两处公共区域卫生问题，已当场整改。",
    "档案管理规范，个别记录签字不全。",
    "住户走访记录齐全，矛盾纠纷处理及时。",
    "值班制度落实不到位，一次夜间巡查无记录。",
]


def generate(*, seed: int, say=print) -> dict[str, int]:
    if Period.objects.exists():
        return {}
    rng = random.Random(seed * 31 + 8)
    officer = User.objects.filter(username="officer").first()
    if officer is None:
        return {}
    for scheme in Scheme.objects.filter(published_at__isnull=True, created_by__isnull=True):
        scheme_publish(scheme, actor=officer)
    _volunteering_2025(officer, rng)
    evidence = _inspection_record()
    counts = {"evaluation_periods": 0, "evaluation_objections": 0, "evaluation_consequences": 0}
    today = timezone.localdate()
    for kind, starts_on, disclosed_on, published_on in PERIODS:
        period = period_open(actor=officer, kind=kind, starts_on=starts_on)
        period_compute(period)
        _score_manual(period, officer, rng, evidence)
        period_disclose(period, actor=officer)
        objections = _object(period, rng)
        counts["evaluation_objections"] += len(objections)
        counts["evaluation_periods"] += 1
        if published_on is None:
            # In progress: disclosed three days ago; the operator's objection resolved,
            # the property manager's still pending.
            _resolve([o for o in objections if o[0].raised_by.username != "propmgr"], officer, rng)
            _date_period(period, disclosed_on=today - datetime.timedelta(days=3))
            say(f"      evaluation {period.name}: disclosed, objections open")
            continue
        _resolve(objections, officer, rng)
        Period.objects.filter(pk=period.pk).update(
            objections_until=today - datetime.timedelta(days=1)
        )
        period.refresh_from_db()
        period_publish(period, actor=officer)
        _date_period(period, disclosed_on=disclosed_on, published_on=published_on)
        last_published = published_on == max(p[3] for p in PERIODS if p[3])
        _carry_out(period, officer, rng, leave_overdue=last_published)
        counts["evaluation_consequences"] += Consequence.objects.filter(
            evaluation__period=period
        ).count()
        say(f"      evaluation {period.name}: published")
    consequences_expire(today)
    return counts


def _volunteering_2025(officer, rng: random.Random) -> None:
    """About one household in eight volunteered in 2025 (the good-conduct credit that
    excellence in the year's evaluation rewards), recorded by the authority."""
    from anju.households.models import Household, HouseholdStatus
    from anju.supervision.models import CreditKind
    from anju.supervision.services.credits import credit_record

    households = Household.objects.filter(status=HouseholdStatus.TENANT).order_by("pk")
    for household in households.iterator(chunk_size=2000):
        if rng.random() >= 0.125:
            continue
        day = datetime.date(2025, rng.randint(3, 11), rng.randint(1, 28))
        credit_record(
            household,
            actor=officer,
            kind=CreditKind.VOLUNTEERING,
            amount=Decimal(rng.choice([3, 4, 6, 8, 12])),
            occurred_on=day,
            details="社区志愿服务（环境整治、助老服务）",
            source_key=f"demo-volunteer-2025-{household.pk}",
        )


def _inspection_record() -> bytes:
    """The evidence the evaluators attach: their inspection record, a real PDF."""
    from anju.admission.pdf import render_pdf

    return render_pdf("evaluation/pdf/inspection_record.html", {"comments": COMMENTS})


def _score_manual(period: Period, officer, rng: random.Random, evidence: bytes) -> None:
    scores = (
        Score.objects.filter(
            evaluation__period=period, line__indicator__source="manual", value__isnull=True
        )
        .select_related("line__indicator", "evaluation__period")
        .order_by("pk")
    )
    for score in scores:
        value = Decimal(rng.choice([62, 71, 78, 84, 88, 91, 95]))
        pdf = ContentFile(evidence, name=f"检查记录-{period.name}.pdf")
        score_enter(score, actor=officer, value=value, comment=rng.choice(COMMENTS), evidence=[pdf])


def _party_user(evaluation: Evaluation):
    users = User.objects.filter(organisation=evaluation.organisation, is_active=True)
    return users.filter(roles__role__in=["property_manager", "operator_clerk"]).first()


# Who objects, to which indicators (the lowest scored of them), why, and how the
# authority decides: (username, indicator codes, reasons, upheld, resolution).
OBJECTIONS = [
    (
        "propmgr",
        ("property.responded_in_time", "property.done_in_time"),
        "部分工单因住户不在家无法入户，已在系统中记录预约时间，不应计为超时，"
        "请按预约时间重新核算。",
        True,
        "经核实，预约上门的工单按预约时间计算时限，予以更正。",
    ),
    (
        "operator",
        ("operator.rent_collection",),
        "本期有三户因银行代扣系统故障延迟到账，已提供银行证明，请予以核减。",
        False,
        "银行证明显示款项于到期日后到账，仍属逾期，维持原评分。",
    ),
]


def _object(period: Period, rng: random.Random) -> list[tuple[Objection, bool, str]]:
    """The demo property manager's company objects to its slower repair indicator;
    the demo operator to its rent collection rate."""
    made = []
    for username, codes, reasons, upheld, resolution in OBJECTIONS:
        user = User.objects.filter(username=username).select_related("organisation").first()
        if user is None or user.organisation is None:
            continue
        score = (
            Score.objects.filter(
                evaluation__period=period,
                evaluation__organisation=user.organisation,
                line__indicator__code__in=codes,
                value__lt=100,  # no late order, nothing to object to
            )
            .select_related("evaluation")
            .order_by("score", "value", "pk")
            .first()
        )
        if score is None:
            continue
        objection = ob.objection_raise(score.evaluation, actor=user, reasons=reasons, score=score)
        made.append((objection, upheld, resolution))
    return made


def _resolve(objections: list[tuple[Objection, bool, str]], officer, rng: random.Random) -> None:
    for objection, upheld, resolution in objections:
        corrected = None
        if upheld:
            corrected = min(Decimal(100), objection.score.value + Decimal(rng.randint(3, 8)))
        ob.objection_resolve(
            objection, actor=officer, upheld=upheld, resolution=resolution, new_value=corrected
        )


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


def _date_period(
    period: Period, *, disclosed_on: datetime.date, published_on: datetime.date | None = None
) -> None:
    """Date the period's steps as the story tells them; its consequences run from the
    day it was published, as if it had been published then."""
    window = period.objections_until - timezone.localdate()
    values = {
        "opened_at": _at(disclosed_on - datetime.timedelta(days=12)),
        "computed_at": _at(disclosed_on - datetime.timedelta(days=12), 11),
        "disclosed_at": _at(disclosed_on),
        "objections_until": disclosed_on + window,
    }
    if published_on:
        values["published_at"] = _at(published_on)
        shift = published_on - timezone.localdate()
        rows = list(Consequence.objects.filter(evaluation__period=period))
        for c in rows:
            for field in ("valid_from", "valid_until", "due_on"):
                day = getattr(c, field)
                if day:
                    setattr(c, field, day + shift)
            c.created_at = _at(published_on, 11)
        Consequence.objects.bulk_update(
            rows, ["valid_from", "valid_until", "due_on", "created_at"], batch_size=2000
        )
    Period.objects.filter(pk=period.pk).update(**values)
    Objection.objects.filter(evaluation__period=period).update(
        raised_at=_at(disclosed_on + datetime.timedelta(days=2))
    )
    if published_on:
        Objection.objects.filter(evaluation__period=period, resolved_at__isnull=False).update(
            resolved_at=_at(disclosed_on + datetime.timedelta(days=6), 15)
        )
    Score.objects.filter(evaluation__period=period, scored_at__isnull=False).update(
        scored_at=_at(disclosed_on - datetime.timedelta(days=5), 16)
    )


def _carry_out(period: Period, officer, rng: random.Random, *, leave_overdue: bool) -> None:
    """What the parties and the authority did after publication: fee adjustments
    applied in the settlement, rectifications reported and verified (the last one
    left undone and overdue), interviews held and warnings delivered by the households'
    communities (a few still to do). Termination proposals wait for the officer."""
    rows = (
        Consequence.objects.filter(evaluation__period=period, state=ConsequenceState.IN_EFFECT)
        .select_related("evaluation__organisation", "evaluation__estate")
        .order_by("pk")
    )
    community_staff = {
        u.organisation_id: u
        for u in User.objects.filter(organisation__kind=OrgKind.COMMUNITY, is_active=True)
        .filter(roles__role="community_worker")
        .order_by("pk")
    }
    rectifications = [c for c in rows if c.kind == ConsequenceKind.RECTIFICATION]
    for n, c in enumerate(rectifications):
        if leave_overdue and n == len(rectifications) - 1:
            continue  # left overdue: the dashboards show it
        party = _party_user(c.evaluation)
        if party is not None:
            cq.consequence_report(
                c, actor=party, note="已按整改通知完成整改，整改报告及照片已报送。"
            )
        cq.consequence_done(c, actor=officer, note="经现场复查，整改到位。")
    for c in rows:
        if c.kind == ConsequenceKind.FEE_ADJUSTMENT:
            cq.consequence_done(c, actor=officer, note="已在本季度服务费结算中执行。")
        elif c.kind in (ConsequenceKind.INTERVIEW, ConsequenceKind.TENANT_WARNING):
            if rng.random() < 0.15:
                continue
            estate = c.evaluation.estate
            # The household's community records it; where the demo has no worker for
            # that community, the authority's officer does.
            worker = (community_staff.get(estate.community_id) if estate else None) or officer
            cq.consequence_done(c, actor=worker, note="已约谈户主，告知考核结果及整改要求。")
