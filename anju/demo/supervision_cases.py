"""The demo's violation cases and tenant points, made on an existing demo district
through the supervision services, as staff would: a case at each step (opened, notice
issued, statement in, decided with a penalty, decided for recovery, rectified and
closed, and a minor-misconduct case decided into points), misdeeds recorded with their
warnings and points (one household over the review mark), volunteering credit, and the
monthly on-time credit run over the demo's bills.

The services date what they do from the real today, so the cases are dated from it
too; the households are drawn from the seed."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from anju.core.models import User
from anju.households.models import Household, HouseholdStatus
from anju.supervision.models import CreditKind, PointRule, ViolationCase
from anju.supervision.services import cases, credits, points

DAY = datetime.timedelta(days=1)

# (type, summary, evidence, days since the breach began, how far it goes)
CASES = [
    (
        "sublet",
        "入户核查发现单位内居住两名非家庭成员，承租人一家已搬至他处居住。",
        {"入户核查": "见两名非家庭成员，自称月租1500元", "门禁记录": "90天内家庭成员仅3天出现"},
        120,
        "penalty",
    ),
    (
        "change_of_use",
        "单位被改作网店仓库，堆放大量货物。",
        {"巡查": "客厅及卧室堆满快递包裹", "电表": "日均用电为小区中位数的2.6倍"},
        75,
        "recovery",
    ),
    (
        "damage",
        "擅自拆除阳台隔墙并改建厨房。",
        {"入户核查": "阳台隔墙已拆除", "物业报告": "楼下住户反映墙体裂缝"},
        40,
        "rectified",
    ),
    (
        "idle",
        "单位连续闲置逾6个月，水电用量接近于零。",
        {"水电表": "近180天日均用电0.2千瓦时", "门禁记录": "180天内无家庭成员出入"},
        200,
        "statement",
    ),
    (
        "sublet",
        "群众举报单位转借给亲友居住。",
        {"举报": "邻居反映近两月常住人员非原住户"},
        50,
        "notice",
    ),
    (
        "illegal_activity",
        "单位内疑似开设棋牌室，夜间人员聚集。",
        {"举报": "多名邻居反映夜间噪音与人员聚集"},
        20,
        "open",
    ),
    (
        "minor",
        "在楼道堆放杂物阻塞通道，经劝导后仍未清理。",
        {"巡查": "3楼楼道堆放纸箱及旧家具"},
        10,
        "points",
    ),
]

# (misdeed code, days ago) per household, in order: warnings first where the catalogue
# says so, then a repeat that scores.
MISDEEDS = [
    [("drying_clothes", 60), ("drying_clothes", 20)],
    [("smoking_public", 30)],
    [("noise", 90)],
    [("illegal_use", 100), ("littering", 40), ("smoking_public", 15)],  # 27: on review
    [("ac_drip", 45), ("ac_drip", 12)],
]


def generate(*, seed: int, say) -> dict[str, int]:
    if ViolationCase.objects.exists():
        say("      violation cases already exist; the supervision-cases demo is skipped")
        return {}
    officer = User.objects.filter(username="officer").first()
    operator = User.objects.filter(username="operator").first() or officer
    if officer is None:
        say("      no demo officer; the supervision-cases demo is skipped")
        return {}
    rng = random.Random(seed)
    today = timezone.localdate()
    housed = list(
        Household.objects.filter(
            status=HouseholdStatus.TENANT, unit__isnull=False, head__isnull=False
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    tenant = User.objects.filter(username="tenant", household__isnull=False).first()
    own = tenant.household_id if tenant else None
    housed = [pk for pk in housed if pk != own]
    picked = rng.sample(housed, min(len(housed), len(CASES) + len(MISDEEDS) + 4))
    households = Household.objects.in_bulk(picked)
    queue = [households[pk] for pk in picked]
    counts = {"cases": 0, "points": 0, "credits": 0}

    say("      violation cases at each step…")
    for kind, summary, evidence, days, goes_to in CASES:
        household = queue.pop()
        case = cases.case_open(
            household,
            actor=operator,
            type=kind,
            source="inspection" if "入户核查" in evidence else "staff",
            summary=summary,
            evidence=evidence,
            breach_began_on=today - days * DAY,
        )
        counts["cases"] += 1
        if goes_to == "open":
            continue
        case = cases.notice_issue(
            case,
            actor=operator,
            kind="rectification" if kind in ("damage", "minor") else "notice",
            respond_by=today + 15 * DAY,
        )
        if goes_to == "notice":
            continue
        case = cases.statement_record(
            case,
            actor=operator,
            text="承租人陈述："
            + rng.choice(
                ["亲戚临时借住，已搬离。", "外出务工，家中偶尔有人居住。", "已按要求整改。"]
            ),
        )
        if goes_to == "statement":
            continue
        if goes_to == "penalty":
            cases.case_decide(
                case,
                actor=officer,
                outcome="penalty",
                reasons="转租事实清楚，承租人陈述不足以否定；依第三十六条补缴租金并处罚款。",
                illegal_income=Decimal("1500.00") * 3,
            )
        elif goes_to == "recovery":
            cases.case_decide(
                case,
                actor=officer,
                outcome="recovery",
                reasons="改变房屋用途，依第二十七条收回并依第三十六条处罚。",
                fine=Decimal("800.00"),
            )
        elif goes_to == "rectified":
            case = cases.case_decide(
                case, actor=officer, outcome="rectified", reasons="已恢复原状，经复查确认。"
            )
            cases.case_close(case, actor=officer, reason="整改完毕，结案。")
        elif goes_to == "points":
            cases.case_decide(
                case,
                actor=officer,
                outcome="penalty",
                reasons="阻塞通道，按扣分表处理。",
                point_rule=PointRule.objects.get(code="obstructing_corridor"),
            )
            counts["points"] += 1

    say("      tenant points and good-conduct credit…")
    rules = {r.code: r for r in PointRule.objects.filter(active=True)}
    for misdeeds in MISDEEDS:
        household = queue.pop()
        for code, days in misdeeds:
            points.points_record(
                household,
                actor=operator,
                rule=rules[code],
                occurred_on=today - days * DAY,
                details=rng.choice(["巡查发现，已拍照", "邻居投诉，物业核实", ""]),
            )
            counts["points"] += 1
    for household in queue[:4]:
        credits.credit_record(
            household,
            actor=operator,
            kind=CreditKind.VOLUNTEERING,
            amount=Decimal(rng.choice(["2.0", "3.5", "4.0", "6.0"])),
            occurred_on=today - rng.randint(3, 60) * DAY,
            details=rng.choice(["社区清洁日", "防疫志愿服务", "楼栋长协助巡查"]),
        )
        counts["credits"] += 1
    if tenant is not None and tenant.household.unit_id:
        # The demo tenant's own record, so that the portal page has something to show.
        for code, days in (("drying_clothes", 50), ("smoking_public", 25)):
            points.points_record(
                tenant.household,
                actor=operator,
                rule=rules[code],
                occurred_on=today - days * DAY,
                details="巡查发现",
            )
            counts["points"] += 1
    counts["credits"] += credits.on_time_credits_run(today)
    return counts
