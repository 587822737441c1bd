"""The demo's field work, made on an existing demo district through the supervision
services as staff and the public would: this year's routine inspection plans of two
estates, tips from the public page, the portal and the counter (some triaged into
inspections, one closed), tasks on the screening's strongest flags if a screening has
run, and visits: answered ones with the people present, the checklist, a drawn
signature or a refusal; one that found a sublet and opened a case; and one household
nobody answered three times, which got an appointment letter.

The services date what they do from the real today, so the visits are dated from it
too; the households are drawn from the seed."""

from __future__ import annotations

import datetime
import io
import random

from django.utils import timezone

from anju.core.models import TimelineEntry, User
from anju.households.models import Household
from anju.housing.models import Estate
from anju.supervision.models import (
    Finding,
    FlagStatus,
    InspectionPlan,
    ScreeningFlag,
    TaskKind,
    TaskStatus,
    Tip,
    TipSource,
)
from anju.supervision.services import inspections as insp
from anju.supervision.services import tips
from anju.supervision.services.inspections_plans import plan_create

DAY = datetime.timedelta(days=1)
# The demo's plans and tasks are dated this long ago, so that the visits made on them
# (dated up to three weeks back) come after them in the archive.
PLANNED_AGO = datetime.timedelta(days=30)

PUBLIC_TIPS = [
    ("sublet", "每周都有拖着行李箱的陌生人进出，原住户一家已经很久没见到了。", True),
    ("overcrowding", "这套房里住了七八个年轻人，晚上很吵，楼道里堆满了鞋。", False),
    ("idle", "这户半年多没人住，窗帘一直拉着，信箱塞满了广告。", True),
    ("change_of_use", "屋里堆满快递包裹，每天有货车来装卸，像是网店仓库。", False),
]
STRANGERS = ["刘建军", "陈晓燕", "赵磊", "孙丽娟", "周鹏"]


def signature_png(rng: random.Random) -> bytes:
    """A signature as the visit form's canvas would send it: a dark scrawl on white."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 200), "white")
    draw = ImageDraw.Draw(image)
    x, y = 40, 120
    points = [(x, y)]
    for _ in range(28):
        x += rng.randint(12, 22)
        y = max(40, min(170, y + rng.randint(-38, 38)))
        points.append((x, y))
    draw.line(points, fill="#111111", width=4, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _stranger_id(rng: random.Random) -> str:
    from stdnum.cn import ric

    body = f"140403{rng.randint(1970, 2002)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{rng.randint(100, 999)}"
    return body + ric.calc_check_digit(body + "0")


def _made_earlier(tasks, when) -> None:
    """Date tasks, and the archive's entries about them, as made at `when`: the one
    place where the demo rewrites what the services dated today."""
    numbers = list(tasks.values_list("number", flat=True))
    tasks.update(created_at=when)
    TimelineEntry.objects.filter(
        verb__in=["inspection.planned", *[f"inspection.raised.{k}" for k in TaskKind.values]],
        data__number__in=numbers,
    ).update(at=when)


def generate(*, seed: int, say) -> dict[str, int]:
    if InspectionPlan.objects.exists() or Tip.objects.exists():
        say("      inspections or tips already exist; the field-work demo is skipped")
        return {}
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["officer", "operator", "community", "tenant"])
    }
    officer = users.get("officer")
    if officer is None:
        say("      no demo officer; the field-work demo is skipped")
        return {}
    operator = users.get("operator") or officer
    community = users.get("community") or officer
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    counts = {"plans": 0, "tasks": 0, "tips": 0, "visits": 0, "letters": 0, "cases": 0}

    estates = [
        e
        for e in Estate.objects.visible_to(operator).order_by("code")
        if insp.can_inspect(operator, e)
    ][:2]
    if len(estates) < 2:
        estates = list(Estate.objects.order_by("code")[:2])
    say("      routine inspection plans…")
    plans = []
    for estate in estates:
        inspector = operator if insp.can_inspect(operator, estate) else officer
        plan = plan_create(estate, today.year, inspector, actor=officer)
        _made_earlier(plan.tasks.all(), now - PLANNED_AGO)
        plans.append(plan)
        counts["plans"] += 1
        counts["tasks"] += plan.tasks.count()

    say("      tips from the public, the portal and the counter…")
    homes = list(
        Household.objects.filter(estate__in=estates, unit__isnull=False, head__isnull=False)
        .select_related("unit", "estate", "head")
        .order_by("pk")
    )
    rng.shuffle(homes)
    tip_rows = []
    for category, text, anonymous in PUBLIC_TIPS:
        home = homes.pop()
        tip_rows.append(
            tips.tip_submit(
                source=TipSource.PUBLIC,
                category=category,
                estate=home.estate,
                place=home.unit.code
                if rng.random() < 0.5
                else f"{home.estate.name} {home.unit.building.number}号楼",
                text=text,
                anonymous=anonymous,
                contact_name="" if anonymous else rng.choice(["王女士", "李先生", "张阿姨"]),
                contact_phone="" if anonymous else f"139{rng.randint(10000000, 99999999)}",
                ip=f"demo-{rng.randint(1, 10_000)}",
            )
        )
    tenant = users.get("tenant")
    if tenant is not None and tenant.household_id:
        home = homes.pop()
        tip_rows.append(
            tips.tip_submit(
                source=TipSource.PORTAL,
                actor=tenant,
                category="sublet",
                estate=home.estate,
                place=home.unit.code,
                text="对门这户最近换了一拨人住，说是房东的亲戚，原来的住户搬走了。",
            )
        )
    home = homes.pop()
    tip_rows.append(
        tips.tip_submit(
            source=TipSource.STAFF,
            actor=community,
            category="damage",
            unit=home.unit,
            place=home.unit.code,
            text="电话举报：楼上住户把阳台和卧室之间的墙拆了，楼下天花板出现裂缝。",
            contact_name="楼下住户",
            contact_phone=f"138{rng.randint(10000000, 99999999)}",
        )
    )
    counts["tips"] = len(tip_rows)
    triaged = []
    for tip in tip_rows:
        if tip.unit_id and len(triaged) < 3:
            triaged.append(tips.tip_to_inspection(tip, actor=officer))
    closable = next((t for t in tip_rows if not t.unit_id), None)
    if closable is not None:
        tips.tip_close(
            closable,
            actor=officer,
            reason="地址不具体，已电话联系举报人未果，待补充线索后重新受理。",
        )

    flag_tasks = []
    for flag in ScreeningFlag.objects.filter(status=FlagStatus.OPEN, estate__in=estates).order_by(
        "-score"
    )[:3]:
        flag_tasks.append(insp.task_from_flag(flag, actor=officer))
    counts["tasks"] += len(triaged) + len(flag_tasks)
    say("      visits…")
    routine = [
        t
        for plan in plans
        for t in plan.tasks.filter(status=TaskStatus.OPEN)
        .select_related("household__head", "unit")
        .order_by("due_on")[:6]
    ]
    checklist_ok = {key: {"result": "ok", "note": ""} for key in insp.CHECK_KEYS}
    for n, task in enumerate(routine[:8]):
        head = task.household.head
        members = list(task.household.members.current())
        people = [insp.Person(name=head.name, id_number=head.reveal_id_number(), id_sighted=True)]
        checklist = dict(checklist_ok)
        notes, follow_ups, finding = "住户在家，居住正常。", [], Finding.NO_ISSUE
        if n % 4 == 1 and len(members) > 1:
            other = members[1]
            people.append(insp.Person(name=other.name, id_number=other.reveal_id_number()))
        if n % 4 == 2:
            people.append(
                insp.Person(
                    name=rng.choice(STRANGERS), id_number=_stranger_id(rng), says="户主的表弟，暂住"
                )
            )
            notes, follow_ups, finding = (
                "有一名非家庭成员暂住。",
                ["一个月后回访，核实是否已搬离"],
                "",
            )
        if n % 4 == 3:
            checklist["safety"] = {"result": "issue", "note": "楼道内堆放电动车电池充电"}
            follow_ups = ["通知物业清理楼道，一周后复查"]
            finding = ""
        refused = n % 5 == 4
        insp.visit_record(
            task,
            actor=task.assigned_to or operator,
            outcome="completed",
            visited_at=now - rng.randint(0, 3) * DAY,
            people=people,
            checklist=checklist,
            notes=notes,
            follow_ups=follow_ups,
            signature=None if refused else signature_png(rng),
            signature_refused=refused,
            conclusion=insp.Conclusion(finding=finding) if finding else None,
        )
        counts["visits"] += 1

    # A tip that found a sublet: a case.
    if triaged:
        task = triaged[0]
        tenant_name = rng.choice(STRANGERS)
        insp.visit_record(
            task,
            actor=task.assigned_to or operator,
            outcome="completed",
            visited_at=timezone.now(),
            people=[
                insp.Person(
                    name=tenant_name,
                    id_number=_stranger_id(rng),
                    id_sighted=True,
                    says="租客，月租1500元",
                )
            ],
            checklist={
                **checklist_ok,
                "use": {"result": "issue", "note": "承租人一家不在此居住，房屋由他人租住"},
            },
            notes="租客出示了与承租人签订的租房协议。",
            follow_ups=["复印租房协议存档"],
            signature=signature_png(rng),
            conclusion=insp.Conclusion(
                finding=Finding.VIOLATION,
                case_type="sublet",
                summary="承租人将公租房转租他人，租客出示租房协议，月租1500元。",
                breach_began_on=today - 90 * DAY,
            ),
        )
        counts["visits"] += 1
        counts["cases"] += 1

    # Nobody answered three times: the appointment letter.
    unanswered = routine[8] if len(routine) > 8 else (flag_tasks[0] if flag_tasks else None)
    if unanswered is not None:
        reasons = ["no_answer", "no_answer", "signs_of_sublet"]
        for k, outcome in enumerate(reasons):
            insp.visit_record(
                unanswered,
                actor=unanswered.assigned_to or operator,
                outcome=outcome,
                visited_at=now - (21 - 7 * k) * DAY,
                notes=[
                    "敲门无人应答，邻居称很少见到住户。",
                    "晚上七点再访，仍无人。",
                    "门口放着陌生人的快递，电表转得很快。",
                ][k],
            )
            counts["visits"] += 1
        counts["letters"] += 1
    say(
        f"      {counts['plans']} plans, {counts['tasks']} tasks, {counts['tips']} tips, "
        f"{counts['visits']} visits, {counts['letters']} letter, {counts['cases']} case"
    )
    return counts
