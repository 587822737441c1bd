"""A year of the demo district's repairs and feedback, in the volumes a district of
public rental housing sees: about one work order per household a year, more water than
gas, most done in time and some not; feedback on many topics, most answered in time.

History is written in bulk (`bulk_create` of the orders, their steps and photos-free
trails, the feedback and theirs, and the households' timeline entries), with the
deadlines the real engine computes (`helpdesk.services.sla.clock_for`, the feedback
routes and working-day deadlines), so that the reports read what the services would
have left behind: orders responded to late, done late, escalated once or twice,
reopened, closed with a rating or by themselves; feedback acknowledged late, escalated
a level or two, rated, reopened once. The last days' orders and feedback are still
open, some of them overdue. A few paid repairs are billed through the tenancy service.

One rising topic is planted: in the estate with the most elderly heads of household,
feedback asking for a lower floor or a lift rises in the last full month, as the
authority's "flexible feedback" report should show.

Running it again adds nothing."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from anju.core import audit, timeline
from anju.core.models import Organisation, OrgKind, User, UserRole
from anju.core.roles import Role
from anju.helpdesk.models import (
    ClassLevel,
    Escalation,
    Feedback,
    FeedbackChannel,
    FeedbackKind,
    FeedbackStatus,
    FeedbackStep,
    FeedbackStepKind,
    FeedbackTopic,
    QualityCheck,
    RepairClass,
    StepKind,
    Urgency,
    WorkOrder,
    WorkOrderChannel,
    WorkOrderStatus,
    WorkOrderStep,
)
from anju.helpdesk.services import feedback as feedback_services
from anju.helpdesk.services import sla
from anju.households.models import Household, HouseholdStatus

from .names import GIVEN_NAMES, SURNAMES

DAYS = 365
ORDERS_PER_HOUSEHOLD = 1.1
PUBLIC_AREA_SHARE = 0.15
FEEDBACK_PER_HOUSEHOLD = 0.25
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

# How often each problem is reported, by its code's category (the rest weigh 1).
CATEGORY_WEIGHT = {"HW": 9, "HE": 5, "HD": 4, "HS": 3, "HH": 3, "HA": 2, "HG": 1}
PUBLIC_WEIGHT = {"BL": 4, "BC": 4, "BF": 1, "BP": 2, "ER": 2, "EG": 3, "ES": 2, "EK": 1}
TOPIC_WEIGHT = {
    FeedbackTopic.REPAIRS: 14,
    FeedbackTopic.PROPERTY: 12,
    FeedbackTopic.NEIGHBOURS: 8,
    FeedbackTopic.RENT: 7,
    FeedbackTopic.LEASE: 5,
    FeedbackTopic.EXCHANGE: 3,
    FeedbackTopic.ACCESSIBILITY: 2,
    FeedbackTopic.SAFETY: 4,
    FeedbackTopic.COMMUNITY: 4,
    FeedbackTopic.POLICY: 5,
    FeedbackTopic.STAFF: 2,
    FeedbackTopic.OTHER: 3,
}
KIND_WEIGHT = {
    FeedbackKind.COMPLAINT: 45,
    FeedbackKind.QUESTION: 25,
    FeedbackKind.SUGGESTION: 20,
    FeedbackKind.PRAISE: 10,
}
TEXTS = {
    FeedbackTopic.REPAIRS: [
        "报修三天了还没人来修。",
        "维修师傅态度很好，修得很快。",
        "楼上漏水到我家，希望尽快处理。",
    ],
    FeedbackTopic.PROPERTY: [
        "楼道垃圾没有及时清运。",
        "小区门口晚上没有保安值守。",
        "绿化带杂草很多，希望修剪。",
    ],
    FeedbackTopic.NEIGHBOURS: ["楼上晚上十一点后还很吵。", "邻居在楼道堆放杂物。"],
    FeedbackTopic.RENT: ["这个月的租金账单金额不对。", "想问一下押金什么时候退。"],
    FeedbackTopic.LEASE: ["合同快到期了，续租要准备什么材料？", "年审申报的截止日期是哪天？"],
    FeedbackTopic.EXCHANGE: ["家里人口增加了，想申请调换大一点的房子。"],
    FeedbackTopic.ACCESSIBILITY: ["老人腿脚不便，住六楼没有电梯，希望调到低楼层。"],
    FeedbackTopic.SAFETY: ["电动车在楼道充电，存在安全隐患。", "消防通道被车辆堵塞。"],
    FeedbackTopic.COMMUNITY: ["希望社区多组织一些老年人活动。", "建议开设儿童暑期托管班。"],
    FeedbackTopic.POLICY: ["公租房的收入标准今年有调整吗？", "子女上学能否迁入户口？"],
    FeedbackTopic.STAFF: ["窗口工作人员解答很耐心，表示感谢。", "办理业务时等候时间太长。"],
    FeedbackTopic.OTHER: ["希望在小区增设快递柜。"],
}
LOWER_FLOOR_TEXTS = [
    "家中老人年过七十，住五楼上下楼困难，希望调换到一楼或二楼。",
    "老伴做了膝盖手术，能否换到有电梯的楼栋？",
    "年纪大了爬楼吃力，申请调到低楼层。",
    "父亲行动不便，希望安排底层住房。",
]
ANSWERS = [
    "已安排相关人员核实处理，感谢您的反馈。",
    "已转交物业公司处理，预计三日内完成。",
    "经核实，已按政策规定答复，如有疑问请致电服务窗口。",
    "感谢您的建议，我们将在下一阶段工作中研究采纳。",
]
REPAIR_NOTES = [
    "更换阀门一个，已试水无渗漏。",
    "疏通下水管道，已恢复通畅。",
    "更换开关面板。",
    "修复门锁。",
]
COMMENTS = ["师傅很专业。", "修得很快，谢谢。", "等了好几天才来。", "问题没有彻底解决。", ""]


def generate(*, seed: int, say=print, today: datetime.date | None = None) -> dict[str, int]:
    if WorkOrder.objects.exists() or Feedback.objects.exists():
        say("      repairs and feedback already there: skipped")
        return {}
    rng = random.Random(seed * 7919 + 7)
    now = timezone.now()
    households = list(
        Household.objects.filter(status=HouseholdStatus.TENANT, unit__isnull=False)
        .select_related("unit__estate", "unit__building")
        .order_by("pk")
    )
    if not households:
        return {}
    crews = _repair_crews(rng)
    orders = _orders(rng, households, crews, now)
    feedback = _feedback(rng, households, now)
    billed = _bill_paid_repairs(orders)
    audit.record(
        actor=None,
        action="demo.helpdesk",
        target=("demo", seed, "a year of repairs and feedback"),
        changes={"work_orders": len(orders), "feedback": len(feedback), "bills": billed},
    )
    statuses = Counter(o.status for o in orders)
    say(
        f"      {len(orders):,} work orders ({statuses[WorkOrderStatus.CLOSED]:,} closed, "
        f"{sum(1 for o in orders if o.is_overdue(now)):,} overdue now), "
        f"{len(feedback):,} feedback"
    )
    return {"work_orders": len(orders), "feedback": len(feedback), "repair_bills": billed}


# --- Repair crews -----------------------------------------------------------------------


def _repair_crews(rng: random.Random) -> dict[int, list[User]]:
    """Two repairers for every property company; the demo's own property staff account
    works for its company too."""
    password = make_password(None)  # unusable: the crews do not log in to the demo
    crews: dict[int, list[User]] = {}
    companies = list(Organisation.objects.filter(kind=OrgKind.PROPERTY).order_by("code"))
    new_users = []
    for company in companies:
        for n in (1, 2):
            name = rng.choice(list(SURNAMES)) + rng.choice(GIVEN_NAMES[("M", 1)])
            new_users.append(
                User(
                    username=f"{company.code.lower()}-repair{n}",
                    full_name=name,
                    organisation=company,
                    password=password,
                )
            )
    User.objects.bulk_create(new_users)
    UserRole.objects.bulk_create(UserRole(user=u, role=Role.PROPERTY_STAFF) for u in new_users)
    for user in User.objects.filter(roles__role=Role.PROPERTY_STAFF).order_by("username"):
        crews.setdefault(user.organisation_id, []).append(user)
    return crews


# --- Work orders ------------------------------------------------------------------------


def _weighted_problems(place_codes: set[str], weights: dict[str, int]):
    problems = list(
        RepairClass.objects.filter(level=ClassLevel.PROBLEM, is_active=True).select_related(
            "parent__parent"
        )
    )
    chosen = [p for p in problems if p.parent.parent.code in place_codes]
    return chosen, [weights.get(p.parent.code, 1) * (1 if p.emergency else 3) for p in chosen]


def _orders(rng, households, crews, now) -> list[WorkOrder]:
    home, home_w = _weighted_problems({"H"}, CATEGORY_WEIGHT)
    public, public_w = _weighted_problems({"B", "E"}, PUBLIC_WEIGHT)
    rules: dict[tuple, object] = {}
    total = int(len(households) * ORDERS_PER_HOUSEHOLD)
    year = now.year
    orders: list[WorkOrder] = []
    trails: list[list[tuple]] = []
    for n in range(total):
        household = rng.choice(households)
        unit = household.unit
        estate = unit.estate
        in_home = rng.random() > PUBLIC_AREA_SHARE
        problem = rng.choices(home if in_home else public, home_w if in_home else public_w)[0]
        emergency = problem.emergency or rng.random() < 0.02
        urgency = sla.urgency_for(problem, emergency=emergency)
        # More recent months are a little busier: the portal is new.
        age = DAYS * rng.random() ** 1.15
        reported = now - datetime.timedelta(days=age)
        key = (problem.pk, urgency)
        if key not in rules:
            rules[key] = sla.rule_for(problem, estate, urgency)
        rule = rules[key]
        respond_by = sla.deadline(reported, rule.respond_in, rule.respond_unit)
        complete_by = sla.deadline(reported, rule.complete_in, rule.complete_unit)
        crew = crews.get(estate.property_company_id) or []
        order = WorkOrder(
            number=f"BX{reported.year}{n + 1:06d}"
            if reported.year == year
            else f"BX{reported.year}{n + 1:06d}",
            channel=rng.choices(
                list(WorkOrderChannel.values), [60, 28, 8, 3, 1] if in_home else [20, 60, 10, 10, 0]
            )[0],
            estate=estate,
            unit=unit if in_home else None,
            household=household if in_home else None,
            place=_public_place(rng, problem, unit) if not in_home else "",
            repair_class=problem,
            description=f"{problem.name_zh}，请尽快处理。",
            emergency=emergency,
            urgency=urgency,
            reported_at=reported,
            property_company_id=estate.property_company_id,
            respond_by=respond_by,
            complete_by=complete_by,
            respond_unit=rule.respond_unit,
            complete_unit=rule.complete_unit,
            sla_rule=rule,
        )
        steps = [(StepKind.REPORTED, reported, None, "")]
        _live(rng, order, crew, now, steps)
        orders.append(order)
        trails.append(steps)
    # Numbered in the order the reports came; each order keeps its own trail.
    pairs = sorted(zip(orders, trails, strict=True), key=lambda pair: pair[0].reported_at)
    orders = [order for order, _steps in pairs]
    trails = [steps for _order, steps in pairs]
    _renumber(orders)
    WorkOrder.objects.bulk_create(orders, batch_size=1000)
    WorkOrderStep.objects.bulk_create(
        (
            WorkOrderStep(order=order, kind=kind, at=at, actor=actor, note=note)
            for order, steps in zip(orders, trails, strict=True)
            for kind, at, actor, note in steps
        ),
        batch_size=2000,
    )
    _quality_checks(rng, orders)
    timeline.add_many(
        timeline.build(
            "workorder.reported",
            for_household=order.household,
            for_unit=order.unit,
            at=order.reported_at,
            number=order.number,
            problem=order.repair_class.name_zh,
        )
        for order in orders
        if order.household_id
    )
    return orders


def _public_place(rng, problem: RepairClass, unit) -> str:
    """Where in the building or the grounds, as a caller would say it."""
    if problem.parent.parent.code == "B":
        return f"{unit.building.number}号楼 {rng.randint(1, unit.building.floors)}层"
    return rng.choice(["小区东门", "小区北门", "中心广场", "地下车库入口", "垃圾分类站旁"])


def _renumber(orders: list[WorkOrder]) -> None:
    """Numbers run in the order the reports came, per year, as the service gives them."""
    per_year: Counter = Counter()
    for order in orders:
        year = timezone.localtime(order.reported_at).year
        per_year[year] += 1
        order.number = f"BX{year}{per_year[year]:06d}"


def _live(rng, order: WorkOrder, crew: list[User], now, steps: list[tuple]) -> None:
    """What happened to the order after it was reported, up to now."""
    reported = order.reported_at
    if rng.random() < 0.02:
        order.status = WorkOrderStatus.CANCELLED
        at = reported + rng.uniform(1, 20) * HOUR
        if at < now:
            order.cancelled_reason = "住户已自行修好"
            steps.append((StepKind.CANCELLED, at, None, order.cancelled_reason))
            return
        order.status = WorkOrderStatus.REPORTED
        return
    emergency = order.urgency == Urgency.EMERGENCY
    late = rng.random() < 0.09
    respond_window = order.respond_by - reported
    responded = reported + respond_window * (
        rng.uniform(1.05, 2.5) if late else rng.uniform(0.05, 0.9)
    )
    if emergency:
        responded = reported + rng.uniform(0.1, 1.5 if late else 0.8) * HOUR
    if responded > now or not crew:
        order.status = WorkOrderStatus.REPORTED
        _escalate(rng, order, now, steps)
        return
    repairer = rng.choice(crew)
    order.assigned_to = repairer
    order.assigned_at = order.responded_at = responded
    order.status = WorkOrderStatus.ASSIGNED
    steps.append((StepKind.ASSIGNED, responded, None, repairer.full_name))
    started = responded + rng.uniform(0.5, 20) * HOUR
    if started > now:
        return
    order.started_at = started
    order.status = WorkOrderStatus.IN_PROGRESS
    steps.append((StepKind.STARTED, started, repairer, ""))
    complete_window = order.complete_by - reported
    done_late = late or rng.random() < 0.06
    done = reported + complete_window * (
        rng.uniform(1.02, 1.5) if done_late else rng.uniform(0.3, 0.95)
    )
    done = max(done, started + HOUR)
    if now - reported < 12 * DAY and rng.random() < 0.3:
        # Stuck: waiting for a part nobody ordered. Still open, overdue by now.
        done = now + 30 * DAY
    if rng.random() < 0.02 and done > now:
        order.status = WorkOrderStatus.DEFERRED
        order.deferred_at = started + HOUR
        order.defer_until = (now + rng.randint(2, 10) * DAY).date()
        order.defer_reason = "等待配件到货"
        order.resume_status = WorkOrderStatus.IN_PROGRESS
        steps.append((StepKind.DEFERRED, order.deferred_at, repairer, order.defer_reason))
        return
    _escalate(rng, order, min(done, now), steps)
    if done > now:
        return
    order.done_at = done
    order.done_note = rng.choice(REPAIR_NOTES)
    order.materials = [["配件", "1", "个"]]
    order.status = WorkOrderStatus.DONE
    if order.urgency == Urgency.PAID:
        order.charge = Decimal(rng.choice([30, 45, 60, 80, 120, 150]))
    steps.append((StepKind.DONE, done, repairer, order.done_note))
    if rng.random() < 0.03 and done + 2 * DAY < now:
        # Reopened: the tenant said it was not fixed; the repairer came back.
        again = done + rng.uniform(0.5, 3) * DAY
        order.reopen_count = 1
        steps.append((StepKind.REOPENED, again, None, "还是漏水"))
        steps.append((StepKind.ASSIGNED, again + HOUR, None, repairer.full_name))
        done = again + rng.uniform(4, 30) * HOUR
        if done > now:
            order.status = WorkOrderStatus.ASSIGNED
            order.done_at = None
            return
        order.done_at = done
        steps.append((StepKind.DONE, done, repairer, order.done_note))
    rated = rng.random() < 0.7
    closed = done + rng.uniform(0.2, 6) * DAY if rated else done + 7 * DAY
    if closed > now:
        return
    order.status = WorkOrderStatus.CLOSED
    order.closed_at = closed
    if rated:
        good = not done_late and order.reopen_count == 0
        order.rating = rng.choices(
            [5, 4, 3, 2, 1], [60, 30, 7, 2, 1] if good else [15, 25, 30, 20, 10]
        )[0]
        order.rating_comment = rng.choice(COMMENTS)
        order.confirmed_at = closed
        note = f"{'★' * order.rating} {order.rating_comment}".strip()
        steps.append((StepKind.CONFIRMED, closed, None, note))
    else:
        order.closed_automatically = True
        steps.append((StepKind.CLOSED, closed, None, ""))


def _escalate(rng, order: WorkOrder, until, steps: list[tuple]) -> None:
    """As the sweep would have: the order went to the property company's managers when
    it first fell overdue (no response by the response deadline, or not done by the
    completion deadline), and to the operator if it was still overdue a day later."""
    late = []  # the spans during which the order was overdue
    if order.responded_at and order.responded_at > order.respond_by:
        late.append((order.respond_by, order.responded_at))
    if order.responded_at is None and until > order.respond_by:
        late.append((order.respond_by, until))
    if until > order.complete_by:
        late.append((order.complete_by, until))
    if not late:
        return
    first = min(start for start, _end in late) + rng.uniform(0, 0.25) * HOUR
    order.escalation, order.escalated_at = Escalation.MANAGER, first
    steps.append((StepKind.ESCALATED, first, None, str(Escalation.MANAGER.label)))
    second = first + settings.ANJU_REPAIR_ESCALATE_HOURS * HOUR
    if any(start <= second < end for start, end in late):
        order.escalation, order.escalated_at = Escalation.OPERATOR, second
        steps.append((StepKind.ESCALATED, second, None, str(Escalation.OPERATOR.label)))


def _quality_checks(rng, orders: list[WorkOrder]) -> None:
    checkers = {
        u.organisation_id: u
        for u in User.objects.filter(roles__role=Role.PROPERTY_MANAGER).order_by("pk")
    }
    officer = User.objects.filter(roles__role=Role.AUTHORITY_OFFICER).order_by("pk").first()
    checks = []
    for order in orders:
        if order.status != WorkOrderStatus.CLOSED or rng.random() > 0.06:
            continue
        checker = checkers.get(order.property_company_id) or officer
        if checker is None:
            continue
        checks.append(
            QualityCheck(
                order=order,
                checked_by=checker,
                checked_at=order.closed_at + rng.uniform(1, 5) * DAY,
                method=rng.choice(["phone", "phone", "visit"]),
                result="passed" if (order.rating or 4) >= 3 else "failed",
                note="",
            )
        )
    QualityCheck.objects.bulk_create(checks)


def _bill_paid_repairs(orders: list[WorkOrder]) -> int:
    from anju.helpdesk.services.workorder_work import workorder_bill

    billed = 0
    for order in orders:
        due = order.charge and order.household_id and order.done_at and order.bill_id is None
        if due and workorder_bill(order, actor=None) is not None:
            billed += 1
    return billed


# --- Feedback ---------------------------------------------------------------------------


def _feedback(rng, households, now) -> list[Feedback]:
    routes: dict[tuple, Organisation] = {}
    total = int(len(households) * FEEDBACK_PER_HOUSEHOLD)
    rows: list[tuple[Feedback, list[tuple]]] = []
    topics, weights = list(TOPIC_WEIGHT), list(TOPIC_WEIGHT.values())
    for _ in range(total):
        household = rng.choice(households)
        received = now - datetime.timedelta(days=DAYS * rng.random() ** 1.1)
        topic = rng.choices(topics, weights)[0]
        rows.append(_one_feedback(rng, household, topic, received, now, routes))
    # The planted rising topic: the last full month, in the estate with most elderly heads.
    _estate, elderly = _oldest_estate(households)
    month_end = timezone.localtime(now).date().replace(day=1) - DAY
    month_start = month_end.replace(day=1)
    for i in range(9):
        day = month_start + datetime.timedelta(days=rng.randint(0, month_end.day - 1))
        received = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + i % 8)))
        household = rng.choice(elderly)
        rows.append(
            _one_feedback(
                rng,
                household,
                FeedbackTopic.ACCESSIBILITY,
                received,
                now,
                routes,
                text=rng.choice(LOWER_FLOOR_TEXTS),
                kind=FeedbackKind.SUGGESTION,
            )
        )
    rows.sort(key=lambda row: row[0].received_at)
    per_year: Counter = Counter()
    for item, _steps in rows:
        year = timezone.localtime(item.received_at).year
        per_year[year] += 1
        item.number = f"FK{year}{per_year[year]:05d}"
        item.tracking_code = feedback_services.new_code()
    Feedback.objects.bulk_create([item for item, _ in rows], batch_size=1000)
    FeedbackStep.objects.bulk_create(
        (
            FeedbackStep(
                feedback=item, kind=kind, at=at, from_org=src, to_org=dst, note=note, actor=None
            )
            for item, steps in rows
            for kind, at, src, dst, note in steps
        ),
        batch_size=2000,
    )
    return [item for item, _ in rows]


def _oldest_estate(households):
    """The estate with the most households whose head is 65 or older, and those
    households."""
    from anju.households.models import Member

    born_by = timezone.localdate().replace(month=1, day=1).year - 65
    elderly = set(
        Member.objects.filter(relation="head", birth_date__year__lte=born_by).values_list(
            "household_id", flat=True
        )
    )
    by_estate: dict[int, list[Household]] = {}
    for household in households:
        if household.pk in elderly:
            by_estate.setdefault(household.unit.estate_id, []).append(household)
    if not by_estate:
        return None, households
    estate_id = max(by_estate, key=lambda pk: len(by_estate[pk]))
    return estate_id, by_estate[estate_id]


def _one_feedback(rng, household, topic, received, now, routes, *, text=None, kind=None):
    estate = household.unit.estate
    key = (topic, estate.pk)
    if key not in routes:
        routes[key] = feedback_services.route_for(topic, estate)
    org = routes[key]
    channel = rng.choices(list(FeedbackChannel.values), [60, 20, 20])[0]
    anonymous = channel != FeedbackChannel.STAFF and rng.random() < 0.15
    item = Feedback(
        kind=kind or rng.choices(list(KIND_WEIGHT), list(KIND_WEIGHT.values()))[0],
        topic=topic,
        channel=channel,
        estate=estate,
        household=None if anonymous or channel == FeedbackChannel.PUBLIC else household,
        text=text or rng.choice(TEXTS[topic]),
        anonymous=anonymous,
        received_at=received,
        organisation=org,
        acknowledge_by=feedback_services.deadline_after(received, settings.ANJU_FEEDBACK_ACK_DAYS),
        answer_by=feedback_services.deadline_after(received, settings.ANJU_FEEDBACK_ANSWER_DAYS),
    )
    steps = [(FeedbackStepKind.RECEIVED, received, None, org, "")]
    late = rng.random() < 0.12
    ack = received + (rng.uniform(1.1, 3) if late else rng.uniform(0.05, 0.9)) * (
        item.acknowledge_by - received
    )
    answered = ack + (rng.uniform(1.05, 2) if late else rng.uniform(0.2, 0.95)) * (
        item.answer_by - ack
    )
    # Each deadline passed unmet moved it one level up, as the sweep does.
    if min(ack, now) > item.acknowledge_by:
        _escalate_feedback(item, steps, item.acknowledge_by)
    if min(answered, now) > item.answer_by:
        _escalate_feedback(item, steps, item.answer_by)
    if ack <= now:
        item.acknowledged_at = ack
        item.status = FeedbackStatus.ACKNOWLEDGED
        steps.append((FeedbackStepKind.ACKNOWLEDGED, ack, None, None, ""))
    if answered <= now:
        item.answered_at = answered
        item.answer = rng.choice(ANSWERS)
        item.status = FeedbackStatus.ANSWERED
        steps.append((FeedbackStepKind.ANSWERED, answered, None, None, item.answer))
        rated = rng.random() < 0.6 and not item.anonymous
        closed = answered + (rng.uniform(0.2, 5) * DAY if rated else 7 * DAY)
        if closed <= now:
            item.status = FeedbackStatus.CLOSED
            item.closed_at = closed
            if rated:
                item.rating = rng.choices(
                    [5, 4, 3, 2, 1], [10, 20, 30, 25, 15] if late else [45, 30, 12, 8, 5]
                )[0]
                steps.append((FeedbackStepKind.RATED, closed, None, None, f"{item.rating}/5"))
            else:
                steps.append((FeedbackStepKind.CLOSED, closed, None, None, ""))
    steps.sort(key=lambda step: step[1])
    return item, steps


def _escalate_feedback(item: Feedback, steps: list[tuple], due) -> None:
    """One level up for the deadline `due`, missed. The step is dated at that deadline,
    as the sweep dates its own: that is how the sweep knows it has escalated it."""
    from anju.helpdesk.services.feedback_clock import level_up

    before = item.organisation
    item.organisation = level_up(before)
    item.level += 1
    steps.append((FeedbackStepKind.ESCALATED, due, before, item.organisation, ""))
