"""How fast the helpdesk's sweeps escalate overdue work orders and feedback, and how fast
its two monthly reports add up their numbers, each against the raw database.

Not a test. Usage (from the repository root, or as `anju bench helpdesk …`):

    .venv/bin/python bench/helpdesk.py                    # 50,000 orders, 10,000 feedback
    .venv/bin/python bench/helpdesk.py --orders 200000 --feedback 40000 --backlog-hours 24
    .venv/bin/python bench/helpdesk.py --database-url postgres://postgres@127.0.0.1:5432/anju_bench_helpdesk

It makes a scratch database (a temporary SQLite file, or the named PostgreSQL database,
dropped and created again; it must not be one you care about), migrates it (not timed;
the classification, deadline table and feedback routes come with the migrations) and
writes, straight through `executemany` (timed and printed, but not the subject):

- the authority, 2 streets, 4 communities, 2 operators and 5 property companies, with
  2 authority officers, a reviewer per street, a worker per community, 2 clerks per
  operator, and 2 managers and 3 repairers per property company (escalation messages
  go to the managers, the clerks and the staff who answer feedback);
- 20 estates (a building each, and `--orders` / 5 units with a household each);
- `--orders` work orders reported over 2026 up to NOW (Friday 18 December 2026,
  10:00 in the district's time), as anju/demo/helpdesk.py makes them: classification
  and urgency weighted as the demo weighs them, deadlines computed by the real engine
  (`sla.rule_for`, `sla.deadline`, working days), then a life up to NOW — 2% cancelled,
  9% responded late, some done late, 3% reopened (fresh deadlines, as the service
  does), most closed with a rating or by themselves, the last days' still open, a share
  of them stuck and overdue, a few deferred — with a step for each event;
- `--feedback` feedback over the same year, topics, kinds and texts as the demo weighs
  them, routed by `feedback.route_for`, deadlines by `feedback.deadline_after` (working
  days), 12% acknowledged and answered late, most answered, rated or closed; two rising
  topics planted in November (ageing tenants in one estate, exchanges in another).

The escalations already in the data are those the sweeps would have made had they run
every quarter of an hour until `--backlog-hours` (default 72: the worker was down
since Tuesday 10:00) before NOW: a work order went to level 1 at the first run after
it fell overdue and to level 2 at the first run 24 hours later while still overdue; a
feedback went one level up (ESCALATED step dated at the deadline) per deadline missed.
What fell due since is left for the sweeps timed below.

Then, `--repeat` times each, the best time kept:

1. **work-order escalation sweep**: `workorder_sweeps.workorders_escalate(now=NOW)`
   (levels, an ESCALATED step per order, the audit entry, and the in-app messages to
   the managers or the operator's clerks, which it queues on commit and which are
   timed with it) against the baseline: in one transaction, the two UPDATEs of
   `helpdesk_workorder` setting escalation and escalated_at for the overdue orders at
   level 0, then for those at level 1 for ANJU_REPAIR_ESCALATE_HOURS (no steps, audit
   or messages). State (levels, steps, messages, audit) is put back between timings;
   both must leave identical (id, escalation, escalated_at). Then the same sweep run
   again with nothing left to escalate (the quarter-hourly run's fixed cost), against
   the same two UPDATEs touching nothing.
2. **SLA compliance report**: `repair_reports.sla_compliance_for(officer, first=2026-01,
   last=2026-12, now=NOW)`, by property company and month, against one raw
   `GROUP BY` (company, local month) computing the same counts with SUM(CASE …) and the
   average rating. The rows must agree.
3. **feedback escalation sweep**: `feedback_clock.feedback_escalate_overdue(NOW)`
   (per feedback: lock, step, audit entry, timeline line, messages to the answering
   staff of the organisation it goes to) against the baseline: one UPDATE … FROM
   setting level (+1 per deadline missed and not yet escalated, found with the same
   NOT EXISTS on the ESCALATED steps) and the organisation (a community's street for
   one level, the authority otherwise). No steps, audit, timeline or messages. State
   is put back between timings; both must leave identical (id, organisation, level).
   Then again with nothing left to escalate.
4. **rising topics**: `feedback_trends.rising_topics(officer, month=2026-11)` against
   raw SQL: the GROUP BY (estate, topic) and GROUP BY topic counting November and the
   three months before with the rising flag in SQL (the same integer comparison), the
   estates' names by a join, and the sample texts of the rising groups by ROW_NUMBER()
   over (estate, topic). The rows, flags and samples must agree.

It prints each time and the ratio service ÷ baseline, as the other benchmarks do.
Django's DEBUG (ANJU_DEBUG) is printed too: with it on, every query of both sides is
logged, which costs the many-query services more.
"""

import argparse
import datetime
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import scratch  # noqa: E402  (bench/scratch.py)

ESTATES = 20
COMPANIES = 5
YEAR = 2026
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
TICK = datetime.timedelta(minutes=15)
TREND_MONTH = datetime.date(YEAR, 11, 1)
INF = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50_000, help="work orders in the year")
    parser.add_argument("--feedback", type=int, default=10_000, help="feedback in the year")
    parser.add_argument(
        "--backlog-hours",
        type=float,
        default=72,
        help="hours since the sweeps last ran (what fell due since is left to escalate)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timings of each, best kept")
    parser.add_argument("--database-url", help="a PostgreSQL URL for a scratch database")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    folder = scratch.open("helpdesk", args.database_url)
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    now = datetime.datetime(YEAR, 12, 18, 10, 0, tzinfo=zone)
    last_run = now - datetime.timedelta(hours=args.backlog_hours)
    print(
        f"{connection.vendor}, {args.orders:,} work orders + {args.feedback:,} feedback in"
        f" {ESTATES} estates / {COMPANIES} property companies, {YEAR}-01-01 to"
        f" {now:%Y-%m-%d %H:%M}; sweeps last ran {args.backlog_hours:g} h before;"
        f" DEBUG {'on' if settings.DEBUG else 'off'}"
    )
    began = time.perf_counter()
    world = _populate(args.orders, args.feedback, now, last_run, random.Random(args.seed))
    print(f"setup (executemany)   {time.perf_counter() - began:>8.1f} s   {world['summary']}")
    try:
        _compare_workorder_sweep(connection, now, args.repeat)
        _compare_sla_report(connection, now, args.repeat)
        _compare_feedback_sweep(connection, now, args.repeat)
        _compare_rising_topics(connection, args.repeat)
    finally:
        scratch.close(args.database_url, folder, keep=args.keep)


# --- Small helpers ------------------------------------------------------------------------------


def _db(value):
    """A datetime as the database column holds it (SQLite: UTC text), for raw SQL."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


def _tick_after(moment: datetime.datetime, *, strictly: bool = True) -> datetime.datetime:
    """The first quarter-hourly run after `moment` (at or after it, if not `strictly`)."""
    epoch = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    steps, rest = divmod(moment - epoch, TICK)
    if rest or strictly:
        steps += 1
    return epoch + steps * TICK


def _best(fn, repeat: int) -> tuple[float, list[float]]:
    fn()  # warm caches
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times), times


def _runs(times: list[float]) -> str:
    return f"(runs: {', '.join(f'{t * 1000:.1f}' for t in times)})"


def _print_pair(label: str, service: list[float], base_label: str, baseline: list[float]) -> None:
    s, b = min(service), min(baseline)
    print(f"  {label:<26} {s * 1000:>9.1f} ms   {_runs(service)}")
    print(f"  {base_label:<26} {b * 1000:>9.1f} ms   {_runs(baseline)}")
    print(f"  {'ratio':<26} {s / b:>9.1f} ×")


# --- The data -----------------------------------------------------------------------------------


def _populate(orders: int, feedback: int, now, last_run, rng: random.Random) -> dict:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from anju.core.models import Organisation, User, UserRole
    from anju.core.roles import Role
    from anju.helpdesk.models import Feedback, FeedbackStep, WorkOrder, WorkOrderStep
    from anju.households.models import Household
    from anju.housing.models import Building, Estate, Unit

    org = Organisation.objects.create
    authority = org(code="AUTH", name="住房保障中心", kind="authority")
    streets = [org(code=f"S{i}", name=f"街道{i}", kind="street", parent=authority) for i in (1, 2)]
    communities = [
        org(code=f"C{i}", name=f"社区{i}", kind="community", parent=streets[i % 2])
        for i in range(1, 5)
    ]
    operators = [
        org(code=f"O{i}", name=f"运营{i}", kind="operator", parent=authority) for i in (1, 2)
    ]
    companies = [
        org(code=f"P{i}", name=f"物业公司{i}", kind="property", parent=authority)
        for i in range(1, COMPANIES + 1)
    ]
    staff = [(f"officer{n}", authority, Role.AUTHORITY_OFFICER) for n in ("", "2")]
    staff += [(f"street{o.pk}", o, Role.STREET_REVIEWER) for o in streets]
    staff += [(f"community{o.pk}", o, Role.COMMUNITY_WORKER) for o in communities]
    staff += [(f"clerk{o.pk}-{n}", o, Role.OPERATOR_CLERK) for o in operators for n in (1, 2)]
    staff += [(f"manager{o.pk}-{n}", o, Role.PROPERTY_MANAGER) for o in companies for n in (1, 2)]
    staff += [(f"repairer{o.pk}-{n}", o, Role.PROPERTY_STAFF) for o in companies for n in (1, 2, 3)]
    users = User.objects.bulk_create(
        User(username=name, full_name=f"员工{i:03d}", organisation=o, password="!")
        for i, (name, o, _role) in enumerate(staff)
    )
    UserRole.objects.bulk_create(
        UserRole(user=u, role=role) for u, (_n, _o, role) in zip(users, staff, strict=True)
    )
    crews: dict[int, list] = {}
    for user, (_n, o, role) in zip(users, staff, strict=True):
        if role == Role.PROPERTY_STAFF:
            crews.setdefault(o.pk, []).append(user)

    estates, buildings, units, households = [], [], [], []
    per_estate = max(1, orders // 5 // ESTATES)
    homes: dict[int, list[tuple[int, int]]] = {}  # estate → [(unit, household)]
    for e in range(1, ESTATES + 1):
        estates.append(
            {
                "id": e,
                "code": f"E{e:03d}",
                "name": f"项目{e}",
                "community_id": communities[e % 4].pk,
                "operator_id": operators[e % 2].pk,
                "property_company_id": companies[e % COMPANIES].pk,
            }
        )
        buildings.append(
            {"id": e, "estate_id": e, "number": "01", "floors": 99, "units_per_floor": 999}
        )
        for k in range(per_estate):
            i = (e - 1) * per_estate + k + 1
            units.append(
                {
                    "id": i,
                    "code": f"E{e:03d}-{i:07d}",
                    "estate_id": e,
                    "building_id": e,
                    "floor": 1 + k % 99,
                    "position": 1 + k // 99,
                    "area_m2": "45.50",
                    "status": "occupied",
                }
            )
            households.append(
                {
                    "id": i,
                    "number": f"B{i:09d}",
                    "category": "low_income",
                    "status": "tenant",
                    "unit_id": i,
                    "estate_id": e,
                    "community_id": communities[e % 4].pk,
                }
            )
            homes.setdefault(e, []).append((i, i))

    with transaction.atomic(), connection.cursor() as cursor:
        for model, rows in (
            (Estate, estates),
            (Building, buildings),
            (Unit, units),
            (Household, households),
        ):
            scratch.insert(cursor, model, rows)
    estate_objs = {
        e.pk: e
        for e in Estate.objects.select_related("community__parent", "operator", "property_company")
    }
    start = datetime.datetime(YEAR, 1, 1, tzinfo=now.tzinfo)
    order_rows, order_steps = _orders(orders, rng, estate_objs, homes, crews, start, now, last_run)
    fb_rows, fb_steps = _feedback(feedback, rng, estate_objs, homes, start, now, last_run)
    with transaction.atomic(), connection.cursor() as cursor:
        for model, rows in (
            (WorkOrder, order_rows),
            (WorkOrderStep, order_steps),
            (Feedback, fb_rows),
            (FeedbackStep, fb_steps),
        ):
            scratch.insert(cursor, model, rows)
        models = [Estate, Building, Unit, Household, WorkOrder, WorkOrderStep, Feedback]
        for sql in connection.ops.sequence_reset_sql(no_style(), [*models, FeedbackStep]):
            cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    status = Counter(r["status"] for r in order_rows)
    open_ = sum(status[s] for s in ("reported", "assigned", "in_progress", "deferred"))
    levels = Counter(r["escalation"] for r in order_rows)
    fstatus = Counter(r["status"] for r in fb_rows)
    summary = (
        f"({len(order_steps):,} order steps; {status['closed']:,} closed, {status['done']:,}"
        f" done, {open_:,} open, {status['cancelled']:,} cancelled; escalated"
        f" {levels[1]:,} to managers, {levels[2]:,} to operators; feedback"
        f" {fstatus['closed']:,} closed, {fstatus['answered']:,} answered,"
        f" {fstatus['received'] + fstatus['acknowledged']:,} open,"
        f" {sum(1 for r in fb_rows if r['level']):,} escalated; {len(users)} staff)"
    )
    return {"summary": summary}


def _problems():
    from anju.demo.helpdesk import CATEGORY_WEIGHT, PUBLIC_WEIGHT
    from anju.helpdesk.models import ClassLevel, RepairClass

    problems = list(
        RepairClass.objects.filter(level=ClassLevel.PROBLEM, is_active=True).select_related(
            "parent__parent"
        )
    )
    out = {}
    for places, weights in (({"H"}, CATEGORY_WEIGHT), ({"B", "E"}, PUBLIC_WEIGHT)):
        chosen = [p for p in problems if p.parent.parent.code in places]
        out[bool("H" in places)] = (
            chosen,
            [weights.get(p.parent.code, 1) * (1 if p.emergency else 3) for p in chosen],
        )
    return out


def _order_escalation(o: dict, last_run, hours: int) -> list[tuple[int, datetime.datetime]]:
    """The levels the quarter-hourly sweep gave the order up to `last_run`: level 1 at
    the first run after it fell overdue, level 2 at the first run `hours` later at which
    it was still overdue. Overdue: the clock runs (not deferred or cancelled) and the
    response deadline has passed unresponded, or the completion deadline undone."""
    stop = o.get("_stop") or INF
    spans = []
    if o["responded_at"] is None or o["responded_at"] > o["respond_by"]:
        spans.append((o["respond_by"], o["responded_at"] or INF))
    if o["done_at"] is None or o["done_at"] > o["complete_by"]:
        spans.append((o["complete_by"], o["done_at"] or INF))

    def first_run(not_before=None):
        """The first run inside an overdue span, at or after `not_before`."""
        runs = []
        for since, until in spans:
            run = _tick_after(since)
            if not_before is not None:
                run = max(run, _tick_after(not_before, strictly=False))
            if run < min(until, stop):
                runs.append(run)
        return min(runs, default=None)

    first = first_run()
    if first is None or first > last_run:
        return []
    second = first_run(first + datetime.timedelta(hours=hours))
    if second is None or second > last_run:
        return [(1, first)]
    return [(1, first), (2, second)]


def _orders(total, rng, estates, homes, crews, start, now, last_run):
    """Work orders and their steps, as rows; see the module's docstring."""
    from django.conf import settings

    from anju.demo.helpdesk import COMMENTS, REPAIR_NOTES
    from anju.helpdesk.models import Escalation, StepKind
    from anju.helpdesk.services import sla

    problems = _problems()
    rules: dict[tuple, object] = {}
    span = now - start
    hours = settings.ANJU_REPAIR_ESCALATE_HOURS
    drafts = []
    for _ in range(total):
        estate = estates[rng.randrange(ESTATES) + 1]
        in_home = rng.random() > 0.15
        choices, weights = problems[in_home]
        problem = rng.choices(choices, weights)[0]
        emergency = problem.emergency or rng.random() < 0.02
        urgency = sla.urgency_for(problem, emergency=emergency)
        reported = now - span * rng.random() ** 1.15
        key = (problem.pk, urgency)
        if key not in rules:
            rules[key] = sla.rule_for(problem, estate, urgency)
        rule = rules[key]
        unit, household = rng.choice(homes[estate.pk]) if in_home else (None, None)
        o = {
            "channel": rng.choice(["portal", "portal", "phone", "counter"]) if in_home else "phone",
            "estate_id": estate.pk,
            "unit_id": unit,
            "household_id": household,
            "place": "" if in_home else "小区东门",
            "repair_class_id": problem.pk,
            "description": f"{problem.name_zh}，请尽快处理。",
            "emergency": emergency,
            "urgency": urgency,
            "reported_at": reported,
            "status": "reported",
            "property_company_id": estate.property_company_id,
            "respond_by": sla.deadline(reported, rule.respond_in, rule.respond_unit),
            "complete_by": sla.deadline(reported, rule.complete_in, rule.complete_unit),
            "respond_unit": rule.respond_unit,
            "complete_unit": rule.complete_unit,
            "sla_rule_id": rule.pk,
            "responded_at": None,
            "done_at": None,
            "escalation": 0,
            "escalated_at": None,
            "_rule": rule,
        }
        steps = [(StepKind.REPORTED, reported, None, "")]
        _live(rng, o, crews[estate.property_company_id], now, steps, last_run, hours)
        drafts.append((o, steps))
    drafts.sort(key=lambda d: d[0]["reported_at"])
    rows, step_rows = [], []
    for n, (o, steps) in enumerate(drafts, 1):
        o.pop("_rule")
        o.pop("_stop", None)
        o |= {"id": n, "number": f"BX{YEAR}{n:07d}"}
        if o["status"] == "closed" and o.get("rating"):
            o["rating_comment"] = rng.choice(COMMENTS)
        if o["done_at"] is not None:
            o["done_note"] = rng.choice(REPAIR_NOTES)
            o["materials"] = [["配件", "1", "个"]]
        rows.append(o)
        for kind, at, actor, note in sorted(steps, key=lambda s: s[1]):
            step_rows.append(
                {
                    "id": len(step_rows) + 1,
                    "order_id": n,
                    "kind": kind,
                    "at": at,
                    "actor_id": actor,
                    "note": note,
                }
            )
    # Escalated steps carry the level's label, as the sweep writes them.
    labels = {1: str(Escalation.MANAGER.label), 2: str(Escalation.OPERATOR.label)}
    for step in step_rows:
        if step["kind"] == StepKind.ESCALATED:
            step["note"] = labels[int(step["note"])]
    return rows, step_rows


def _live(rng, o: dict, crew, now, steps, last_run, hours) -> None:
    """What happened to the order after it was reported, up to now (as the demo's)."""
    from anju.helpdesk.models import StepKind, Urgency
    from anju.helpdesk.services import sla

    reported = o["reported_at"]

    def escalate():
        for level, at in _order_escalation(o, last_run, hours):
            o["escalation"], o["escalated_at"] = level, at
            steps.append((StepKind.ESCALATED, at, None, str(level)))

    if rng.random() < 0.02:
        at = reported + rng.uniform(1, 20) * HOUR
        if at < now:
            o["_stop"] = at
            o["status"], o["cancelled_reason"] = "cancelled", "住户已自行修好"
            steps.append((StepKind.CANCELLED, at, None, o["cancelled_reason"]))
        escalate()
        return
    late = rng.random() < 0.09
    window = o["respond_by"] - reported
    responded = reported + window * (rng.uniform(1.05, 2.5) if late else rng.uniform(0.05, 0.9))
    if o["urgency"] == Urgency.EMERGENCY:
        responded = reported + rng.uniform(0.1, 1.5 if late else 0.8) * HOUR
    if responded > now:
        escalate()
        return
    repairer = rng.choice(crew)
    o |= {"assigned_to_id": repairer.pk, "assigned_at": responded, "responded_at": responded}
    o["status"] = "assigned"
    steps.append((StepKind.ASSIGNED, responded, None, repairer.full_name))
    started = responded + rng.uniform(0.5, 20) * HOUR
    if started > now:
        escalate()
        return
    o["started_at"], o["status"] = started, "in_progress"
    steps.append((StepKind.STARTED, started, repairer.pk, ""))
    done_late = late or rng.random() < 0.06
    window = o["complete_by"] - reported
    done = reported + window * (rng.uniform(1.02, 1.5) if done_late else rng.uniform(0.3, 0.95))
    done = max(done, started + HOUR)
    if now - reported < 12 * DAY and rng.random() < 0.3:
        done = now + 30 * DAY  # stuck: waiting for a part nobody ordered
    if rng.random() < 0.02 and done > now:
        deferred = started + HOUR
        o |= {
            "status": "deferred",
            "deferred_at": deferred,
            "defer_until": (now + rng.randint(2, 10) * DAY).date(),
            "defer_reason": "等待配件到货",
            "resume_status": "in_progress",
            "_stop": deferred,
        }
        escalate()
        steps.append((StepKind.DEFERRED, deferred, repairer.pk, o["defer_reason"]))
        return
    if done > now:
        escalate()
        return
    o["done_at"], o["status"] = done, "done"
    if o["urgency"] == Urgency.PAID:
        o["charge"] = rng.choice([30, 45, 60, 80, 120, 150])
    steps.append((StepKind.DONE, done, repairer.pk, ""))
    escalate()
    if rng.random() < 0.03 and done + 2 * DAY < now:
        # Reopened: fresh deadlines from the reopening, assigned again at once, and
        # escalated afresh if the second visit is late (as workorder_reopen does).
        again = done + rng.uniform(0.5, 3) * DAY
        rule = o["_rule"]
        o |= {
            "reopen_count": 1,
            "status": "assigned",
            "respond_by": sla.deadline(again, rule.respond_in, rule.respond_unit),
            "complete_by": sla.deadline(again, rule.complete_in, rule.complete_unit),
            "assigned_at": again,
            "responded_at": again,
            "started_at": None,
            "done_at": None,
            "escalation": 0,
            "escalated_at": None,
        }
        steps.append((StepKind.REOPENED, again, None, "还是漏水"))
        steps.append((StepKind.ASSIGNED, again, None, repairer.full_name))
        done = again + rng.uniform(4, 30) * HOUR
        if done > now:
            escalate()
            return
        o["done_at"], o["status"] = done, "done"
        steps.append((StepKind.DONE, done, repairer.pk, ""))
        escalate()
    rated = rng.random() < 0.7
    closed = done + (rng.uniform(0.2, 6) * DAY if rated else 7 * DAY)
    if closed > now:
        return
    o["status"], o["closed_at"] = "closed", closed
    if rated:
        good = not done_late and not o.get("reopen_count")
        weights = [60, 30, 7, 2, 1] if good else [15, 25, 30, 20, 10]
        o["rating"] = rng.choices([5, 4, 3, 2, 1], weights)[0]
        o["confirmed_at"] = closed
        steps.append((StepKind.CONFIRMED, closed, None, "★" * o["rating"]))
    else:
        o["closed_automatically"] = True
        steps.append((StepKind.CLOSED, closed, None, ""))


def _feedback(total, rng, estates, homes, start, now, last_run):
    """Feedback and its steps, as rows; see the module's docstring."""
    from django.conf import settings

    from anju.demo.helpdesk import ANSWERS, KIND_WEIGHT, LOWER_FLOOR_TEXTS, TEXTS, TOPIC_WEIGHT
    from anju.helpdesk.services import feedback as services
    from anju.helpdesk.services.feedback_clock import level_up

    routes: dict[tuple, object] = {}
    topics, weights = list(TOPIC_WEIGHT), list(TOPIC_WEIGHT.values())
    kinds, kind_weights = list(KIND_WEIGHT), list(KIND_WEIGHT.values())
    span = now - start
    authority = services.authority()
    drafts = []

    def one(received, estate, topic, text=None, kind=None):
        key = (topic, estate.pk if estate else None)
        if key not in routes:
            routes[key] = services.route_for(topic, estate)
        org = routes[key]
        channel = rng.choices(["portal", "public", "staff"], [60, 20, 20])[0]
        if estate is None:
            channel = "public"
        anonymous = channel != "staff" and rng.random() < 0.15
        household = None
        if estate is not None and channel != "public" and not anonymous:
            household = rng.choice(homes[estate.pk])[1]
        f = {
            "kind": kind or rng.choices(kinds, kind_weights)[0],
            "topic": topic,
            "channel": channel,
            "estate_id": estate.pk if estate else None,
            "household_id": household,
            "text": text or rng.choice(TEXTS[topic]),
            "anonymous": anonymous,
            "received_at": received,
            "status": "received",
            "organisation_id": org.pk,
            "level": 0,
            "acknowledge_by": services.deadline_after(received, settings.ANJU_FEEDBACK_ACK_DAYS),
            "answer_by": services.deadline_after(received, settings.ANJU_FEEDBACK_ANSWER_DAYS),
        }
        steps = [("received", received, None, org.pk, "")]
        late = rng.random() < 0.12
        ack = received + (rng.uniform(1.1, 3) if late else rng.uniform(0.05, 0.9)) * (
            f["acknowledge_by"] - received
        )
        answered = ack + (rng.uniform(1.05, 2) if late else rng.uniform(0.2, 0.95)) * (
            f["answer_by"] - ack
        )
        # Each deadline passed unmet at a sweep's run up to last_run moved it one level
        # up, with the step dated at the deadline, as the sweep does.
        for due, met in ((f["acknowledge_by"], ack), (f["answer_by"], answered)):
            run = _tick_after(due, strictly=False)
            if run <= last_run and min(met, now) > run:
                before = org
                org = level_up(org)
                f["organisation_id"], f["level"] = org.pk, f["level"] + 1
                steps.append(("escalated", due, before.pk, org.pk, ""))
        if ack <= now:
            f["acknowledged_at"], f["status"] = ack, "acknowledged"
            steps.append(("acknowledged", ack, None, None, ""))
        if answered <= now:
            f |= {"answered_at": answered, "answer": rng.choice(ANSWERS), "status": "answered"}
            steps.append(("answered", answered, None, None, f["answer"]))
            rated = rng.random() < 0.6 and not anonymous
            closed = answered + (rng.uniform(0.2, 5) * DAY if rated else 7 * DAY)
            if closed <= now:
                f["status"], f["closed_at"] = "closed", closed
                if rated:
                    scale = [10, 20, 30, 25, 15] if late else [45, 30, 12, 8, 5]
                    f["rating"] = rng.choices([5, 4, 3, 2, 1], scale)[0]
                    steps.append(("rated", closed, None, None, f"{f['rating']}/5"))
                else:
                    steps.append(("closed", closed, None, None, ""))
        drafts.append((f, steps))

    for _ in range(total):
        received = now - span * rng.random() ** 1.1
        # One in twenty from the public page names no estate: the authority's.
        estate = None if rng.random() < 0.05 else estates[rng.randrange(ESTATES) + 1]
        one(received, estate, rng.choices(topics, weights)[0])
    # The planted rising topics, in November: ageing tenants asking for a lower floor in
    # estate 7, exchanges in estate 13.
    month_start = datetime.datetime(YEAR, 11, 1, 9, tzinfo=now.tzinfo)
    for estate, topic, texts in (
        (7, "accessibility", LOWER_FLOOR_TEXTS),
        (13, "exchange", TEXTS["exchange"]),
    ):
        for _ in range(max(6, total // 1000)):
            received = month_start + rng.uniform(0, 29) * DAY
            one(received, estates[estate], topic, text=rng.choice(texts), kind="suggestion")
    assert authority is not None
    drafts.sort(key=lambda d: d[0]["received_at"])
    rows, step_rows = [], []
    for n, (f, steps) in enumerate(drafts, 1):
        f |= {"id": n, "number": f"FK{YEAR}{n:07d}", "tracking_code": f"T{n:09d}"}
        rows.append(f)
        for kind, at, src, dst, note in sorted(steps, key=lambda s: s[1]):
            step_rows.append(
                {
                    "id": len(step_rows) + 1,
                    "feedback_id": n,
                    "kind": kind,
                    "at": at,
                    "from_org_id": src,
                    "to_org_id": dst,
                    "note": note,
                }
            )
    return rows, step_rows


# --- 1. The work-order escalation sweep ---------------------------------------------------------

RUNNING = "('reported', 'assigned', 'in_progress')"


def _workorder_baseline(connection, now) -> None:
    from django.conf import settings
    from django.db import transaction

    overdue = (
        f"status IN {RUNNING} AND ((responded_at IS NULL AND respond_by < %(now)s)"
        " OR complete_by < %(now)s)"
    )
    waited = now - datetime.timedelta(hours=settings.ANJU_REPAIR_ESCALATE_HOURS)
    params = {"now": _db(now), "waited": _db(waited)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE helpdesk_workorder SET escalation = 1, escalated_at = %(now)s"  # noqa: S608
            f" WHERE {overdue} AND escalation = 0",
            params,
        )
        cursor.execute(
            "UPDATE helpdesk_workorder SET escalation = 2, escalated_at = %(now)s"  # noqa: S608
            f" WHERE {overdue} AND escalation = 1 AND escalated_at <= %(waited)s",
            params,
        )


def _workorder_levels(connection) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, escalation, escalated_at FROM helpdesk_workorder ORDER BY id")
        return [(i, e, str(a)) for i, e, a in cursor.fetchall()]


def _workorder_snapshot(connection) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, escalation, escalated_at FROM helpdesk_workorder"  # noqa: S608
            f" WHERE status IN {RUNNING}"
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM helpdesk_workorderstep")
        (max_step,) = cursor.fetchone()
    return {"rows": rows, "max_step": max_step}


def _workorder_reset(connection, snapshot: dict, now) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM helpdesk_workorder WHERE escalated_at = %s", [_db(now)])
        moved = {row[0] for row in cursor.fetchall()}
        cursor.executemany(
            "UPDATE helpdesk_workorder SET escalation = %s, escalated_at = %s WHERE id = %s",
            [(e, _db(a) if a else None, i) for i, e, a in snapshot["rows"] if i in moved],
        )
        cursor.execute("DELETE FROM helpdesk_workorderstep WHERE id > %s", [snapshot["max_step"]])
        cursor.execute("DELETE FROM core_message WHERE template = 'workorder.escalated'")
        cursor.execute("DELETE FROM core_auditentry WHERE action = 'workorder.escalate'")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("helpdesk_workorder", "helpdesk_workorderstep", "core_message"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def _compare_workorder_sweep(connection, now, repeat: int) -> None:
    from anju.core.models import Message
    from anju.helpdesk.services.workorder_sweeps import workorders_escalate

    snapshot = _workorder_snapshot(connection)
    service, baseline = [], []
    counts: dict = {}
    messages = 0
    service_levels = baseline_levels = None
    for _ in range(repeat):
        _workorder_reset(connection, snapshot, now)
        began = time.perf_counter()
        counts = workorders_escalate(now=now)  # messages are queued on commit, timed too
        service.append(time.perf_counter() - began)
        service_levels = _workorder_levels(connection)
        messages = Message.objects.filter(template="workorder.escalated").count()
        _workorder_reset(connection, snapshot, now)
        began = time.perf_counter()
        _workorder_baseline(connection, now)
        baseline.append(time.perf_counter() - began)
        baseline_levels = _workorder_levels(connection)
    assert service_levels == baseline_levels, _first_difference(service_levels, baseline_levels)
    moved = counts["managers"] + counts["operators"]
    assert moved > 0 and messages > 0, (counts, messages)
    print(
        f"1. work-order escalation sweep: {counts['managers']:,} orders to the managers,"
        f" {counts['operators']:,} to the operators, {messages:,} messages; identical levels"
    )
    _print_pair("workorders_escalate", service, "2 × UPDATE", baseline)
    print(
        f"  {'per order moved':<26} {min(service) / moved * 1000:>9.2f} ms"
        f"   vs {min(baseline) / moved * 1000:.3f} ms"
    )

    # Again, with everything escalated: what a quarter-hourly run costs when idle.
    _workorder_reset(connection, snapshot, now)
    workorders_escalate(now=now)

    def again():
        assert workorders_escalate(now=now) == {"managers": 0, "operators": 0}

    _best_service, service = _best(again, repeat)
    _best_baseline, baseline = _best(lambda: _workorder_baseline(connection, now), repeat)
    print("   run again, nothing left to escalate:")
    _print_pair("workorders_escalate", service, "2 × UPDATE", baseline)
    _workorder_reset(connection, snapshot, now)


def _first_difference(a, b) -> str:
    for x, y in zip(a or [], b or [], strict=False):
        if x != y:
            return f"service {x} ≠ baseline {y}"
    return f"{len(a or [])} rows ≠ {len(b or [])} rows"


# --- 2. The SLA compliance report ----------------------------------------------------------------


def _sla_raw(connection, now, start, end) -> list[tuple]:
    zone = str(now.tzinfo)
    if connection.vendor == "postgresql":
        month = "(date_trunc('month', w.reported_at AT TIME ZONE %(zone)s))::date"
    else:
        minutes = int(now.utcoffset().total_seconds() // 60)  # a zone without summer time
        month = f"date(w.reported_at, '{minutes:+d} minutes', 'start of month')"
    running = f"w.status IN {RUNNING}"
    sql = f"""
        SELECT w.property_company_id, o.name, {month} AS month, COUNT(*),
          SUM(CASE WHEN w.responded_at IS NOT NULL
                     OR ({running} AND w.respond_by < %(now)s) THEN 1 ELSE 0 END),
          SUM(CASE WHEN w.responded_at <= w.respond_by THEN 1 ELSE 0 END),
          SUM(CASE WHEN w.done_at IS NOT NULL
                     OR ({running} AND w.complete_by < %(now)s) THEN 1 ELSE 0 END),
          SUM(CASE WHEN w.done_at <= w.complete_by THEN 1 ELSE 0 END),
          COUNT(w.rating), AVG(w.rating),
          SUM(CASE WHEN w.done_at IS NOT NULL OR w.reopen_count > 0 THEN 1 ELSE 0 END),
          SUM(CASE WHEN w.reopen_count > 0 THEN 1 ELSE 0 END)
        FROM helpdesk_workorder w JOIN core_organisation o ON o.id = w.property_company_id
        WHERE w.reported_at >= %(start)s AND w.reported_at < %(end)s
          AND w.status <> 'cancelled'
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
    """  # noqa: S608
    params = {"now": _db(now), "start": _db(start), "end": _db(end), "zone": zone}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        (
            c,
            name,
            month if isinstance(month, datetime.date) else datetime.date.fromisoformat(month),
            *map(int, counts[:6]),
            round(float(counts[6]), 2) if counts[6] is not None else None,
            *map(int, counts[7:]),
        )
        for c, name, month, *counts in rows
    ]


def _compare_sla_report(connection, now, repeat: int) -> None:
    from anju.core.models import User
    from anju.helpdesk.selectors.repair_reports import sla_compliance_for
    from anju.helpdesk.services.workorder_quality import month_bounds

    officer = User.objects.get(username="officer")
    first, last = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 1)
    start, _ = month_bounds(first)
    _, end = month_bounds(last)

    def service():
        return sla_compliance_for(officer, first=first, last=last, now=now)

    rows = [
        (
            r.company_id,
            r.company,
            r.month,
            r.orders,
            r.respond_due,
            r.respond_ok,
            r.done_due,
            r.done_ok,
            r.rated,
            r.rating,
            r.finished,
            r.reopened,
        )
        for r in service()
    ]
    raw = _sla_raw(connection, now, start, end)
    assert rows == raw, _first_difference(rows, raw)
    _best_service, service_times = _best(service, repeat)
    _best_raw, raw_times = _best(lambda: _sla_raw(connection, now, start, end), repeat)
    orders = sum(r[3] for r in rows)
    respond = 100 * sum(r[5] for r in rows) / sum(r[4] for r in rows)
    done = 100 * sum(r[7] for r in rows) / sum(r[6] for r in rows)
    print(
        f"2. SLA compliance {YEAR} by company and month: {len(rows)} rows over {orders:,}"
        f" orders ({respond:.1f}% responded in time, {done:.1f}% done in time); same numbers"
    )
    _print_pair("sla_compliance_for", service_times, "GROUP BY", raw_times)


# --- 3. The feedback escalation sweep ------------------------------------------------------------

OPEN = "('received', 'acknowledged')"


def _feedback_baseline(connection, now, authority_id: int) -> None:
    from django.db import transaction

    def missed(moment: str, statuses: str) -> str:
        return (
            f"CASE WHEN f.status IN {statuses} AND f.{moment} <= %(now)s AND NOT EXISTS ("
            " SELECT 1 FROM helpdesk_feedbackstep s WHERE s.feedback_id = f.id"
            f" AND s.kind = 'escalated' AND s.at = f.{moment}) THEN 1 ELSE 0 END"
        )

    sql = f"""
        UPDATE helpdesk_feedback
        SET level = helpdesk_feedback.level + m.k, organisation_id = m.org
        FROM (
          SELECT f.id, f.k,
            CASE WHEN o.kind = 'authority' THEN o.id
                 WHEN f.k = 1 AND o.kind = 'community' AND p.kind = 'street' THEN p.id
                 ELSE %(authority)s END AS org
          FROM (
            SELECT f.id, f.organisation_id,
              {missed("acknowledge_by", "('received')")} + {missed("answer_by", OPEN)} AS k
            FROM helpdesk_feedback f WHERE f.status IN {OPEN}
          ) f
          JOIN core_organisation o ON o.id = f.organisation_id
          LEFT JOIN core_organisation p ON p.id = o.parent_id
          WHERE f.k > 0
        ) m
        WHERE helpdesk_feedback.id = m.id
    """  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, {"now": _db(now), "authority": authority_id})


def _feedback_levels(connection) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, organisation_id, level FROM helpdesk_feedback ORDER BY id")
        return cursor.fetchall()


def _feedback_snapshot(connection) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, organisation_id, level FROM helpdesk_feedback"  # noqa: S608
            f" WHERE status IN {OPEN}"
        )
        rows = cursor.fetchall()
        maxima = {}
        for table in ("helpdesk_feedbackstep", "core_timelineentry"):
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            (maxima[table],) = cursor.fetchone()
    return {"rows": rows, "max": maxima}


def _feedback_reset(connection, snapshot: dict) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE helpdesk_feedback SET organisation_id = %s, level = %s WHERE id = %s",
            [(org, level, i) for i, org, level in snapshot["rows"]],
        )
        for table, top in snapshot["max"].items():
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [top])  # noqa: S608
        cursor.execute("DELETE FROM core_message WHERE template = 'feedback.escalated.in_app'")
        cursor.execute("DELETE FROM core_auditentry WHERE action = 'feedback.escalate'")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("helpdesk_feedback", "helpdesk_feedbackstep", "core_message"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def _compare_feedback_sweep(connection, now, repeat: int) -> None:
    from anju.core.models import Message
    from anju.helpdesk.services.feedback import authority
    from anju.helpdesk.services.feedback_clock import feedback_escalate_overdue

    authority_id = authority().pk
    snapshot = _feedback_snapshot(connection)
    service, baseline = [], []
    escalations = messages = 0
    service_levels = baseline_levels = None
    for _ in range(repeat):
        _feedback_reset(connection, snapshot)
        began = time.perf_counter()
        escalations = feedback_escalate_overdue(now)
        service.append(time.perf_counter() - began)
        service_levels = _feedback_levels(connection)
        messages = Message.objects.filter(template="feedback.escalated.in_app").count()
        _feedback_reset(connection, snapshot)
        began = time.perf_counter()
        _feedback_baseline(connection, now, authority_id)
        baseline.append(time.perf_counter() - began)
        baseline_levels = _feedback_levels(connection)
    assert service_levels == baseline_levels, _first_difference(service_levels, baseline_levels)
    before = {i: level for i, _org, level in snapshot["rows"]}
    moved = sum(1 for i, _org, level in service_levels if level != before.get(i, level))
    assert escalations > 0, escalations
    print(
        f"3. feedback escalation sweep: {escalations:,} escalations of {moved:,} feedback,"
        f" {messages:,} messages; identical organisations and levels"
    )
    _print_pair("feedback_escalate_overdue", service, "UPDATE … FROM", baseline)
    print(
        f"  {'per escalation':<26} {min(service) / escalations * 1000:>9.2f} ms"
        f"   vs {min(baseline) / escalations * 1000:.3f} ms"
    )

    _feedback_reset(connection, snapshot)
    feedback_escalate_overdue(now)

    def again():
        assert feedback_escalate_overdue(now) == 0

    _best_service, service = _best(again, repeat)
    _best_baseline, baseline = _best(
        lambda: _feedback_baseline(connection, now, authority_id), repeat
    )
    print("   run again, nothing left to escalate:")
    _print_pair("feedback_escalate_overdue", service, "UPDATE … FROM", baseline)
    _feedback_reset(connection, snapshot)


# --- 4. Rising topics -----------------------------------------------------------------------------


def _rising_raw(connection, month, *, min_count=3, factor=(3, 2), months_before=3):
    """By estate and topic, by topic, and the rising groups' latest texts, as
    rising_topics counts them: count × months_before × q ≥ before × p, factor p/q."""
    from anju.helpdesk.selectors.feedback import month_bounds
    from anju.helpdesk.selectors.feedback_trends import add_months

    start, end = month_bounds(month)
    first, _ = month_bounds(add_months(month, -months_before))
    p, q = factor
    params = {"first": _db(first), "start": _db(start), "end": _db(end)}
    counts = (
        "SUM(CASE WHEN f.received_at >= %(start)s THEN 1 ELSE 0 END) AS n,"
        " SUM(CASE WHEN f.received_at < %(start)s THEN 1 ELSE 0 END) AS b"
    )
    where = "f.received_at >= %(first)s AND f.received_at < %(end)s"
    rising = f"CASE WHEN n >= {min_count} AND n * {months_before * q} >= b * {p} THEN 1 ELSE 0 END"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT estate_id, name, topic, n, b, {rising} AS rising FROM ("  # noqa: S608
            f" SELECT f.estate_id, e.name, f.topic, {counts} FROM helpdesk_feedback f"
            f" JOIN housing_estate e ON e.id = f.estate_id WHERE {where}"
            " GROUP BY f.estate_id, e.name, f.topic) g WHERE n > 0"
            " ORDER BY rising DESC, n DESC, estate_id, topic",
            params,
        )
        by_estate = cursor.fetchall()
        cursor.execute(
            f"SELECT topic, n, b, {rising} AS rising FROM ("  # noqa: S608
            f" SELECT f.topic, {counts} FROM helpdesk_feedback f WHERE {where}"
            " GROUP BY f.topic) g WHERE n > 0 ORDER BY rising DESC, n DESC, topic",
            params,
        )
        by_topic = cursor.fetchall()
        groups = [(e, t) for e, _name, t, _n, _b, r in by_estate if r]
        samples = []
        if groups:
            wanted = " OR ".join(["(f.estate_id = %s AND f.topic = %s)"] * len(groups))
            cursor.execute(
                "SELECT estate_id, topic, text FROM (SELECT f.estate_id, f.topic, f.text,"  # noqa: S608
                " ROW_NUMBER() OVER (PARTITION BY f.estate_id, f.topic"
                " ORDER BY f.received_at DESC, f.id DESC) AS n FROM helpdesk_feedback f"
                f" WHERE ({wanted}) AND f.received_at >= %s AND f.received_at < %s) t"
                " WHERE n <= 3",
                [*(v for g in groups for v in g), params["start"], params["end"]],
            )
            samples = cursor.fetchall()
    return by_estate, by_topic, samples


def _compare_rising_topics(connection, repeat: int) -> None:
    from anju.core.models import User
    from anju.helpdesk.selectors.feedback_trends import rising_topics

    officer = User.objects.get(username="officer")

    def service():
        trends = rising_topics(officer, month=TREND_MONTH)
        # Read what the page shows: every row's label, average and ratio.
        for row in trends.by_estate + trends.by_topic:
            _ = (row.topic_label, row.average, row.ratio, row.estate and row.estate.name)
        return trends

    trends = service()
    by_estate, by_topic, samples = _rising_raw(connection, TREND_MONTH)
    got = [
        (r.estate.pk, r.estate.name, r.topic, r.count, r.before, int(r.rising))
        for r in trends.by_estate
    ]
    assert got == [tuple(row) for row in by_estate], _first_difference(got, by_estate)
    got = [(r.topic, r.count, r.before, int(r.rising)) for r in trends.by_topic]
    assert got == [tuple(row) for row in by_topic], _first_difference(got, by_topic)
    got_samples = sorted((r.estate.pk, r.topic, t) for r in trends.rising for t in r.samples)
    assert got_samples == sorted(tuple(s) for s in samples), "samples differ"
    _best_service, service_times = _best(service, repeat)
    _best_raw, raw_times = _best(lambda: _rising_raw(connection, TREND_MONTH), repeat)
    planted = {(7, "accessibility"), (13, "exchange")}
    found = planted & {(r.estate.pk, r.topic) for r in trends.rising}
    print(
        f"4. rising topics {TREND_MONTH:%Y-%m}: {len(trends.by_estate)} estate × topic rows,"
        f" {len(trends.rising)} rising (the {len(found)} of {len(planted)} planted among"
        f" them), {len(samples)} sample texts; same rows"
    )
    _print_pair("rising_topics", service_times, "GROUP BY ×2 + window", raw_times)


if __name__ == "__main__":
    main()
