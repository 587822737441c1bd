"""The default indicators and draft schemes. The indicators are the computations of
`anju.evaluation.indicators` (each `source` names one) and one manual indicator per
organisation party kind; the schemes are drafts (not published, version 1) for the
authority to confirm: for streets, communities, operators and property companies one
per quarter and one per year, for tenant households one per year. From here on they
are the authority's data, versioned on the evaluation pages."""

import datetime
from decimal import Decimal

from django.db import migrations

SOURCE = "安居系统默认考核方案（待主管部门确认）"
MANUAL = "manual"

# --- The indicators ----------------------------------------------------------------------
# (code, name_zh, name_en, definition_zh, definition_en, unit, direction)

_REVIEW = (
    "本级审核及时率",
    "Reviews decided in time at its level",
    "本期内在本级作出的准入审核（通过、退回或不予通过）中，在规定工作日期限当天或之前作出的比例。",
    "Of the admission reviews made at its level in the period, the share made on or before "
    "their deadline day (the rule set's working days per review level).",
    "percent",
    "higher",
)
_DECLARED = (
    "年审申报率",
    "Recertification declaration rate",
    "申报截止日在本期内的年审批次中，辖区家庭已提交申报的比例。",
    "Of the households in recertifications whose deadline to declare falls in the period, "
    "the share that declared.",
    "percent",
    "higher",
)
_DECIDED = (
    "年审办结率",
    "Recertification decision rate",
    "申报截止日在本期内的年审批次中，辖区家庭的复核结果已经确认的比例。",
    "Of the households in recertifications whose deadline to declare falls in the period, "
    "the share whose outcome staff have confirmed.",
    "percent",
    "higher",
)
_PLANS = (
    "巡查计划完成率",
    "Inspection plans completed",
    "年度巡查计划中应于本期完成的走访任务（不含已取消的），在本期最后一天结束前完成的比例。",
    "Of the routine inspection plans' visits due in the period (cancelled ones aside), the "
    "share done by the end of the period's last day.",
    "percent",
    "higher",
)
_TIPS = (
    "举报按期分派率",
    "Tips triaged within the deadline",
    "本期收到的辖区举报中，在规定天数内（截止当天有效）转为巡查任务或办结的比例；尚未到期的举报不计。",
    "Of the tips about its estates received in the period, the share triaged (made an "
    "inspection task or closed) by the deadline day; tips still within their deadline are "
    "not counted yet.",
    "percent",
    "higher",
)
_FEEDBACK = (
    "诉求按时答复率",
    "Feedback answered on time",
    "本期收到、由其负责答复的诉求中，未因超时被升级、并在答复期限前答复的比例。",
    "Of the feedback received in the period that it was responsible for, the share answered "
    "by the deadline without being escalated for a missed deadline.",
    "percent",
    "higher",
)
_CONDUCT = (
    "日常管理考评",
    "Management conduct assessed by the authority",
    "主管部门依据日常检查、督办和投诉核查情况评分（0–100分），须注明评价人、理由并附证明材料。",
    "Scored 0–100 by the authority from its routine checks, supervision and the complaints "
    "it looked into, with the evaluator, the reasons and the evidence.",
    "score",
    "higher",
)


def _both(kind, sort_from):
    rows = []
    for i, (suffix, spec) in enumerate(
        (
            ("review_timeliness", _REVIEW),
            ("recert_declaration_rate", _DECLARED),
            ("recert_decision_rate", _DECIDED),
            ("inspection_plans_done", _PLANS),
            ("tips_triaged", _TIPS),
            ("feedback_on_time", _FEEDBACK),
        )
    ):
        rows.append((f"{kind}.{suffix}", kind, *spec, f"{kind}.{suffix}", sort_from + i))
    rows.append((f"{kind}.management_conduct", kind, *_CONDUCT, MANUAL, sort_from + 90))
    return rows


INDICATORS = [
    *_both("street", 10),
    *_both("community", 10),
    # Operators.
    (
        "operator.rent_collection",
        "operator",
        "租金收缴率",
        "Rent collection rate",
        "本期到期的租金账单中，账单所属月份结束前实际收缴的金额占应收金额的比例。",
        "Of the rent billed by the bills due in the period, the share collected by the end of "
        "each bill's month, as in the tenancy collection report.",
        "percent",
        "higher",
        "operator.rent_collection",
        10,
    ),
    (
        "operator.arrears_recovered",
        "operator",
        "欠租追缴金额",
        "Arrears recovered",
        "本期内收到的款项中，用于冲抵缴款当日已逾期账单的金额（元）。",
        "Yuan of the payments received in the period that settled bills already overdue on "
        "the day paid.",
        "yuan",
        "higher",
        "operator.arrears_recovered",
        20,
    ),
    (
        "operator.vacant_to_let",
        "operator",
        "空置至出租天数",
        "Days from vacant to let",
        "本期起租的新租赁合同（不含续租），自该房源上一租户租期最后一天起至起租日的平均天数。",
        "The mean days, for the new leases (not renewals) that started in the period, from "
        "the last day of the unit's previous tenancy to the new lease's first day.",
        "days",
        "lower",
        "operator.vacant_to_let",
        30,
    ),
    (
        "operator.decision_to_empty",
        "operator",
        "退出决定至腾空天数",
        "Days from exit decision to an empty unit",
        "本期交回钥匙的退出案件，自作出退出决定至交房的平均天数。",
        "The mean days from the exit decision to the handover, for the exit cases whose keys "
        "came back in the period.",
        "days",
        "lower",
        "operator.decision_to_empty",
        40,
    ),
    (
        "operator.handover_complete",
        "operator",
        "退房交接完整率",
        "Handover completeness",
        "本期退房验房中，记录了房屋后续状态、且（退出案件的）押金在规定天数内结算的比例。",
        "Of the move-out handovers in the period, the share that record what became of the "
        "unit and, for an exit, whose deposit was settled within the exits' deadline.",
        "percent",
        "higher",
        "operator.handover_complete",
        50,
    ),
    (
        "operator.survey_score",
        "operator",
        "运营满意度",
        "Survey score (operator)",
        "本期提交的年度满意度调查中，所运营项目对“运营单位”维度评分题的平均分（1–5分）。",
        "The mean rating (1 to 5) of the yearly survey's questions about the operator, in the "
        "responses of its estates submitted in the period.",
        "score",
        "higher",
        "operator.survey_score",
        60,
    ),
    ("operator.management_conduct", "operator", *_CONDUCT, MANUAL, 90),
    # Property companies.
    (
        "property.responded_in_time",
        "property",
        "报修按时响应率",
        "Work orders responded to in time",
        "本期报修（不含已取消）中，响应已到期的工单在响应期限前派单响应的比例，口径同报修时效报表。",
        "Of the work orders reported in the period (cancelled ones aside) whose response is "
        "settled, the share responded to by the deadline, as in the SLA report.",
        "percent",
        "higher",
        "property.responded_in_time",
        10,
    ),
    (
        "property.done_in_time",
        "property",
        "报修按时完成率",
        "Work orders done in time",
        "本期报修（不含已取消）中，完成期限已到的工单在期限前完成的比例（暂缓期间不计时）。",
        "Of the work orders reported in the period whose completion is settled, the share "
        "done by the completion deadline (moved on by any deferral).",
        "percent",
        "higher",
        "property.done_in_time",
        20,
    ),
    (
        "property.reopen_rate",
        "property",
        "报修返修率",
        "Reopen rate",
        "本期报修且已完工的工单中，被租户重新打开过的比例，越低越好。",
        "Of the work orders reported in the period and done, the share reopened by the "
        "tenant; lower is better.",
        "percent",
        "lower",
        "property.reopen_rate",
        30,
    ),
    (
        "property.public_area_checked",
        "property",
        "公共区域维修抽检合格率",
        "Public-area repairs checked",
        "本期完工的公共区域报修（楼内公共部位、小区公共区域）中，经主管部门回访或现场抽检合格的比例。",
        "Of the public-area work orders (common parts, estate grounds) done in the period, "
        "the share that staff checked by a call or on site and found passed.",
        "percent",
        "higher",
        "property.public_area_checked",
        40,
    ),
    (
        "property.survey_score",
        "property",
        "物业满意度",
        "Survey score (property services)",
        "本期提交的年度满意度调查中，所服务项目对“物业服务”维度评分题的平均分（1–5分）。",
        "The mean rating (1 to 5) of the yearly survey's questions about property services, "
        "in the responses of its estates submitted in the period.",
        "score",
        "higher",
        "property.survey_score",
        50,
    ),
    ("property.management_conduct", "property", *_CONDUCT, MANUAL, 90),
    # Tenant households.
    (
        "tenant.payment_punctuality",
        "tenant",
        "按时缴费率",
        "Payment punctuality",
        "本期到期的账单（不含已取消）中，在到期日当天或之前足额缴清的比例。",
        "Of the bills due in the period (cancelled ones aside), the share paid in full on or "
        "before the due day.",
        "percent",
        "higher",
        "tenant.payment_punctuality",
        10,
    ),
    (
        "tenant.valid_points",
        "tenant",
        "有效扣分",
        "Valid points",
        "本期最后一天仍然有效的违规扣分合计，越低越好；无扣分记0分。",
        "The points of the household's entries still valid on the period's last day; lower "
        "is better, nought without entries.",
        "points",
        "lower",
        "tenant.valid_points",
        20,
    ),
    (
        "tenant.conduct_credit",
        "tenant",
        "良好行为积分",
        "Good-conduct credit",
        "本期获得的良好行为积分合计（志愿服务、连续按时缴租等）。",
        "The good-conduct credit earned in the period (volunteering, twelve months paid on "
        "time, other good conduct).",
        "points",
        "higher",
        "tenant.conduct_credit",
        30,
    ),
    (
        "tenant.declaration_on_time",
        "tenant",
        "年审按时申报",
        "Declaration on time",
        "申报截止日在本期内的年审中，在截止日当天或之前提交申报的比例。",
        "Of its recertifications whose deadline to declare falls in the period, the share "
        "declared on or before the deadline day.",
        "percent",
        "higher",
        "tenant.declaration_on_time",
        40,
    ),
    (
        "tenant.inspection_cooperation",
        "tenant",
        "配合入户核查",
        "Cooperation with inspections",
        "本期对其住房的入户核查走访中，开门配合、完成核查的比例。",
        "Of the inspection visits to its unit in the period, the share where the inspector "
        "was let in and the visit was made.",
        "percent",
        "higher",
        "tenant.inspection_cooperation",
        50,
    ),
]

# --- The schemes -------------------------------------------------------------------------
# Lines: (indicator code, weight, target, scores nought at).

_ADMINISTRATIVE = [
    ("review_timeliness", "20", "95", "60"),
    ("recert_declaration_rate", "15", "95", "60"),
    ("recert_decision_rate", "15", "95", "60"),
    ("inspection_plans_done", "15", "95", "50"),
    ("tips_triaged", "10", "95", "60"),
    ("feedback_on_time", "15", "95", "60"),
    ("management_conduct", "10", "100", "0"),
]
LINES = {
    "street": [(f"street.{c}", *rest) for c, *rest in _ADMINISTRATIVE],
    "community": [(f"community.{c}", *rest) for c, *rest in _ADMINISTRATIVE],
    "operator": [
        ("operator.rent_collection", "20", "98", "80"),
        ("operator.arrears_recovered", "5", "100000", "0"),
        ("operator.vacant_to_let", "15", "30", "120"),
        ("operator.decision_to_empty", "10", "60", "180"),
        ("operator.handover_complete", "15", "100", "60"),
        ("operator.survey_score", "20", "4.5", "3"),
        ("operator.management_conduct", "15", "100", "0"),
    ],
    "property": [
        ("property.responded_in_time", "20", "95", "60"),
        ("property.done_in_time", "20", "90", "50"),
        ("property.reopen_rate", "10", "5", "30"),
        ("property.public_area_checked", "10", "90", "40"),
        ("property.survey_score", "25", "4.5", "3"),
        ("property.management_conduct", "15", "100", "0"),
    ],
    "tenant": [
        ("tenant.payment_punctuality", "30", "90", "40"),
        ("tenant.valid_points", "25", "0", "16"),
        ("tenant.conduct_credit", "10", "3", "0"),
        ("tenant.declaration_on_time", "20", "100", "0"),
        ("tenant.inspection_cooperation", "15", "100", "0"),
    ],
}
# Arrears recovered in a year: four quarters' worth.
YEAR_TARGETS = {"operator.arrears_recovered": "400000"}

# Rules: (grade, kind, percent, days, consecutive_fails).
# A commendation, a renewal eligibility and a warning stand for a year.
_ADMINISTRATIVE_RULES = [
    ("excellent", "commendation", None, 365, None),
    ("fail", "rectification", None, 30, None),
    ("fail", "warning", None, 365, None),
]
_CONTRACTOR_RULES = [
    ("excellent", "commendation", None, 365, None),
    ("excellent", "renewal_eligible", None, 365, None),
    ("excellent", "fee_adjustment", "3", None, None),
    ("good", "renewal_eligible", None, 365, None),
    ("fail", "rectification", None, 30, None),
    ("fail", "warning", None, 365, None),
    ("fail", "fee_adjustment", "-5", None, None),
    ("fail", "termination", None, None, 2),
]
RULES = {
    "street": _ADMINISTRATIVE_RULES,
    "community": _ADMINISTRATIVE_RULES,
    "operator": _CONTRACTOR_RULES,
    "property": _CONTRACTOR_RULES,
    "tenant": [
        ("excellent", "good_standing", None, 365, None),
        ("excellent", "harmonious_title", None, 365, None),
        # No percent: the rule set's `conduct_rent_discount` applies.
        ("excellent", "rent_discount", None, 365, None),
        ("good", "good_standing", None, 365, None),
        ("fail", "tenant_warning", None, None, None),
        ("fail", "interview", None, 30, None),
        ("fail", "points_referral", None, None, None),
    ],
}
PERIODS = {
    "street": ("quarter", "year"),
    "community": ("quarter", "year"),
    "operator": ("quarter", "year"),
    "property": ("quarter", "year"),
    "tenant": ("year",),
}
EFFECTIVE_FROM = datetime.date(2024, 1, 1)
# A household is good from 75: punctual rent and no points make a good tenancy even
# without good-conduct credit.
THRESHOLDS = {"tenant": {"good_from": Decimal(75)}}


def _dec(value):
    return None if value is None else Decimal(value)


def seed(apps, schema_editor):
    Indicator = apps.get_model("evaluation", "Indicator")
    Scheme = apps.get_model("evaluation", "Scheme")
    SchemeLine = apps.get_model("evaluation", "SchemeLine")
    ConsequenceRule = apps.get_model("evaluation", "ConsequenceRule")
    indicators = {}
    for (
        code,
        party_kind,
        name_zh,
        name_en,
        def_zh,
        def_en,
        unit,
        direction,
        source,
        sort,
    ) in INDICATORS:
        indicators[code], _ = Indicator.objects.get_or_create(
            code=code,
            defaults=dict(
                party_kind=party_kind,
                name_zh=name_zh,
                name_en=name_en,
                definition_zh=def_zh,
                definition_en=def_en,
                unit=unit,
                direction=direction,
                source=source,
                sort=sort,
            ),
        )
    for party_kind, period_kinds in PERIODS.items():
        for period_kind in period_kinds:
            if Scheme.objects.filter(
                party_kind=party_kind, period_kind=period_kind, version=1
            ).exists():
                continue
            scheme = Scheme.objects.create(
                party_kind=party_kind,
                period_kind=period_kind,
                version=1,
                effective_from=EFFECTIVE_FROM,
                source=SOURCE,
                published_at=None,
                created_by=None,
                **THRESHOLDS.get(party_kind, {}),
            )
            SchemeLine.objects.bulk_create(
                SchemeLine(
                    scheme=scheme,
                    indicator=indicators[code],
                    weight=Decimal(weight),
                    target=Decimal(
                        YEAR_TARGETS.get(code, target) if period_kind == "year" else target
                    ),
                    zero_at=Decimal(zero_at),
                    sort=(i + 1) * 10,
                )
                for i, (code, weight, target, zero_at) in enumerate(LINES[party_kind])
            )
            ConsequenceRule.objects.bulk_create(
                ConsequenceRule(
                    scheme=scheme,
                    grade=grade,
                    kind=kind,
                    percent=_dec(percent),
                    days=days,
                    consecutive_fails=fails,
                )
                for grade, kind, percent, days, fails in RULES[party_kind]
            )


def unseed(apps, schema_editor):
    Indicator = apps.get_model("evaluation", "Indicator")
    Scheme = apps.get_model("evaluation", "Scheme")
    Scheme.objects.filter(version=1, source=SOURCE, created_by__isnull=True).delete()
    Indicator.objects.filter(code__in=[row[0] for row in INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
