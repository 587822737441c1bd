"""The default classification (place → category → problem), deadline table and
feedback routes. They are the authority's data from here on: it edits them on the
Repairs → Deadlines page and the routes in the feedback settings."""

from django.db import migrations

# (code, Chinese, English, tenant pays, emergency); a place's categories follow it,
# and a category's problems follow the category.
CLASSES = {
    ("H", "户内", "In the home"): {
        ("HW", "给排水", "Water and drains"): [
            ("HW01", "漏水", "Leak", False, False),
            ("HW02", "爆管", "Burst pipe", False, True),
            ("HW03", "下水堵塞", "Blocked drain", False, False),
            ("HW04", "水龙头损坏", "Broken tap", False, False),
            ("HW05", "马桶故障", "Toilet fault", False, False),
        ],
        ("HE", "电气", "Electrical"): [
            ("HE01", "停电或跳闸", "No power or tripping", False, True),
            ("HE02", "插座开关损坏", "Broken socket or switch", False, False),
            ("HE03", "灯具损坏", "Broken light fitting", False, False),
        ],
        ("HG", "燃气", "Gas"): [
            ("HG01", "燃气异味", "Smell of gas", False, True),
            ("HG02", "燃气灶具故障", "Gas hob fault", False, False),
        ],
        ("HD", "门窗", "Doors and windows"): [
            ("HD01", "门锁损坏", "Broken lock", False, False),
            ("HD02", "窗户损坏", "Broken window", False, False),
            ("HD03", "纱窗损坏", "Torn fly screen", True, False),
        ],
        ("HS", "墙地顶面", "Walls, floors and ceilings"): [
            ("HS01", "渗水霉变", "Damp or mould", False, False),
            ("HS02", "墙皮脱落", "Flaking plaster", False, False),
            ("HS03", "地面破损", "Damaged floor", False, False),
        ],
        ("HH", "供暖", "Heating"): [
            ("HH01", "暖气不热", "Radiator cold", False, False),
            ("HH02", "暖气漏水", "Radiator leaking", False, True),
        ],
        ("HA", "设施设备", "Fittings and appliances"): [
            ("HA01", "热水器故障", "Water heater fault", False, False),
            ("HA02", "人为损坏", "Damage caused by the household", True, False),
        ],
    },
    ("B", "楼内公共区域", "Building common areas"): {
        ("BL", "电梯", "Lifts"): [
            ("BL01", "电梯停运", "Lift out of order", False, False),
            ("BL02", "电梯困人", "Someone trapped in the lift", False, True),
        ],
        ("BC", "楼道", "Stairs and corridors"): [
            ("BC01", "楼道灯不亮", "Stairwell light out", False, False),
            ("BC02", "单元门损坏", "Entrance door broken", False, False),
            ("BC03", "扶手栏杆损坏", "Handrail damaged", False, False),
        ],
        ("BF", "消防", "Fire safety"): [
            ("BF01", "消防设施损坏", "Fire equipment damaged", False, False),
            ("BF02", "消防通道堵塞", "Fire escape blocked", False, True),
        ],
        ("BP", "公共管道", "Shared pipes"): [
            ("BP01", "公共管道漏水", "Shared pipe leaking", False, True),
            ("BP02", "化粪池或污水管堵塞", "Sewer blocked", False, False),
        ],
    },
    ("E", "小区公共区域", "Estate grounds"): {
        ("ER", "道路照明", "Paths and lighting"): [
            ("ER01", "路灯不亮", "Street light out", False, False),
            ("ER02", "路面破损", "Damaged paving", False, False),
        ],
        ("EG", "绿化保洁", "Planting and cleaning"): [
            ("EG01", "绿化养护", "Planting needs care", False, False),
            ("EG02", "垃圾未清运", "Rubbish not collected", False, False),
        ],
        ("ES", "安防设施", "Security equipment"): [
            ("ES01", "门禁故障", "Access gate fault", False, False),
            ("ES02", "监控故障", "Camera fault", False, False),
        ],
        ("EK", "停车充电", "Parking and charging"): [
            ("EK01", "充电桩故障", "Charging point fault", False, False),
        ],
    },
}

SOURCE = "Anju default; the authority sets its own"
# (class code or None, urgency or "", respond, unit, complete, unit)
DEADLINES = [
    (None, "", 24, "hours", 3, "working_days"),
    (None, "emergency", 1, "hours", 24, "hours"),
    (None, "paid", 24, "hours", 5, "working_days"),
    (None, "warranty", 2, "working_days", 15, "working_days"),
    ("BL", "", 2, "hours", 24, "hours"),
    ("HG", "", 2, "hours", 1, "working_days"),
    ("HH", "", 4, "hours", 2, "working_days"),
]

ROUTES = {
    "repairs": "property",
    "property": "property",
    "neighbours": "community",
    "rent": "operator",
    "lease": "operator",
    "exchange": "authority",
    "accessibility": "community",
    "safety": "property",
    "community": "community",
    "policy": "authority",
    "staff": "authority",
    "other": "community",
}


def seed(apps, schema_editor):
    RepairClass = apps.get_model("helpdesk", "RepairClass")
    SlaRule = apps.get_model("helpdesk", "SlaRule")
    FeedbackRoute = apps.get_model("helpdesk", "FeedbackRoute")
    sort = 0
    for (pcode, pzh, pen), categories in CLASSES.items():
        sort += 1
        place = RepairClass.objects.create(
            code=pcode, level="place", name_zh=pzh, name_en=pen, sort=sort
        )
        for (ccode, czh, cen), problems in categories.items():
            sort += 1
            category = RepairClass.objects.create(
                code=ccode, level="category", parent=place, name_zh=czh, name_en=cen, sort=sort
            )
            for code, zh, en, pays, emergency in problems:
                sort += 1
                RepairClass.objects.create(
                    code=code,
                    level="problem",
                    parent=category,
                    name_zh=zh,
                    name_en=en,
                    tenant_pays=pays,
                    emergency=emergency,
                    sort=sort,
                )
    for code, urgency, respond, runit, complete, cunit in DEADLINES:
        SlaRule.objects.create(
            repair_class=RepairClass.objects.get(code=code) if code else None,
            urgency=urgency,
            respond_in=respond,
            respond_unit=runit,
            complete_in=complete,
            complete_unit=cunit,
            source=SOURCE,
        )
    FeedbackRoute.objects.bulk_create(
        FeedbackRoute(topic=topic, target=target) for topic, target in ROUTES.items()
    )


def unseed(apps, schema_editor):
    apps.get_model("helpdesk", "FeedbackRoute").objects.all().delete()
    apps.get_model("helpdesk", "SlaRule").objects.all().delete()
    RepairClass = apps.get_model("helpdesk", "RepairClass")
    for level in ("problem", "category", "place"):
        RepairClass.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
