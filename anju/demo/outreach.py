"""The demo's notices, community activities and surveys, made through the outreach
services as the authority and a community would, then dated back where the story needs
a past: policy notices published weeks ago (one explainer with its questions and
answers, read and confirmed by about half the households), an estate's water-cut
notice, a building's lift maintenance, a draft and an expired notice; activities held
(a volunteering one whose households earned good-conduct credit), some coming with
sign-ups, one cancelled; the standard yearly survey, sent to every estate, answered by
about 45% of households and closed; and a short survey still open for the demo tenant.

Running it again adds nothing."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from anju.core.models import User
from anju.households.models import Household, HouseholdStatus
from anju.housing.models import Building, Estate
from anju.outreach.models import (
    Activity,
    ActivityStatus,
    Audience,
    Invitation,
    Notice,
    NoticeKind,
    NoticeRead,
    QuestionKind,
    Response,
    Survey,
)
from anju.outreach.services import activities as act
from anju.outreach.services import notices as pub
from anju.outreach.services import surveys as sv
from anju.outreach.services.survey_answers import survey_answer
from anju.outreach.services.survey_yearly import survey_yearly_create

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)

EXPLAINER = """长治市L区公租房管理办法已于今年修订。
本文用通俗的语言说明修订后与住户关系最密切的几项规定：

一、年审：每年第三季度申报家庭人口、收入和住房情况，逾期未申报的，社区将上门核实。
二、租金：按套内面积和区租金标准计收，收入超过标准的家庭实行阶梯租金。
三、退出：家庭不再符合条件的，给予两个月搬迁期，搬迁期内按原标准计租。
四、调换：因家庭人口变化、年老或残疾等原因，可以申请调换住房。"""

QUESTIONS = [
    (
        "年审要准备哪些材料？",
        "身份证、户口簿、收入证明和不动产登记查询结果，可在“我的租赁”页面在线申报。",
    ),
    (
        "收入超标了怎么办？",
        "不会立即收回住房：先按阶梯租金计租，连续两年超标的，转为市场租金或办理退出。",
    ),
    (
        "家里老人上楼不方便，能换到低楼层吗？",
        "可以。在“调换住房”中提交申请，理由选择“年老或残疾：低楼层”。",
    ),
]


def generate(*, seed: int, say=print) -> dict[str, int]:
    if Notice.objects.exists() or Activity.objects.exists() or Survey.objects.exists():
        say("      notices, activities and surveys already there: skipped")
        return {}
    officer = User.objects.filter(username="officer").first()
    community = User.objects.filter(username="community").first()
    if officer is None or community is None:
        return {}
    rng = random.Random(seed * 31 + 5)
    estates = list(Estate.objects.order_by("code"))
    tenant = User.objects.filter(username="tenant").select_related("household").first()
    home = tenant.household.estate if tenant and tenant.household_id else estates[0]
    counts = {}
    counts["notices"] = _notices(rng, officer, home)
    counts["activities"], counts["volunteer_credits"] = _activities(rng, community, officer, home)
    counts["survey_responses"] = _surveys(rng, officer, estates, home)
    say(
        f"      {counts['notices']} notices, {counts['activities']} activities "
        f"({counts['volunteer_credits']} households credited), "
        f"{counts['survey_responses']:,} answers to the yearly survey"
    )
    return counts


def _backdate_notice(notice: Notice, days: int, *, expire_days: int | None = None) -> None:
    published = timezone.now() - days * DAY
    Notice.objects.filter(pk=notice.pk).update(
        publish_at=published,
        created_at=published - DAY,
        expire_at=published + expire_days * DAY if expire_days else None,
    )


def _notices(rng, officer, home: Estate) -> int:
    explainer = pub.notice_create(
        actor=officer,
        kind=NoticeKind.EXPLAINER,
        title="一图读懂：L区公租房管理办法（2026年修订）",
        summary="年审、租金、退出和调换，修订后的规定用大白话讲清楚。",
        body=EXPLAINER,
        source="长L住保〔2026〕8号",
        important=True,
        pinned=True,
        questions=QUESTIONS,
    )
    pub.notice_publish(explainer, actor=officer)
    _backdate_notice(explainer, 40)
    pub.notice_push(explainer, actor=officer)
    _confirm_some(rng, explainer, share=0.55)

    recert = pub.notice_create(
        actor=officer,
        kind=NoticeKind.POLICY,
        title="关于开展2026年度公租房家庭资格年审工作的通知",
        body="请各承租家庭于9月30日前通过住户门户或到社区服务窗口完成年审申报。",
        source="长L住保〔2026〕12号",
    )
    pub.notice_publish(recert, actor=officer)
    _backdate_notice(recert, 75)

    survey = pub.notice_create(
        actor=officer,
        kind=NoticeKind.ANNOUNCEMENT,
        title="关于开展公租房住户满意度调查的通知",
        body="为改进物业、运营和社区服务，现开展年度满意度调查，答卷匿名，请在住户门户中作答。",
    )
    pub.notice_publish(survey, actor=officer)
    _backdate_notice(survey, 50)

    water = pub.notice_create(
        actor=officer,
        kind=NoticeKind.ANNOUNCEMENT,
        title=f"{home.name}临时停水通知",
        body="因二次供水设备检修，本周六8:00至14:00停水，请提前储水。",
        audience=Audience.ESTATE,
        estate=home,
        expire_at=timezone.now() + 5 * DAY,
    )
    pub.notice_publish(water, actor=officer)

    building = Building.objects.filter(estate=home, has_lift=True).order_by("number").first()
    if building is not None:
        lift = pub.notice_create(
            actor=officer,
            kind=NoticeKind.ANNOUNCEMENT,
            title=f"{building.number}号楼电梯年度维保通知",
            body="下周二9:00至17:00电梯停运维保，给您带来不便，敬请谅解。",
            audience=Audience.BUILDING,
            estate=home,
            building=building,
        )
        pub.notice_publish(lift, actor=officer)

    heating = pub.notice_create(
        actor=officer,
        kind=NoticeKind.ANNOUNCEMENT,
        title="2025—2026采暖季收费通知",
        body="采暖费按建筑面积计收，请于11月15日前缴纳。",
    )
    pub.notice_publish(heating, actor=officer)
    _backdate_notice(heating, 380, expire_days=120)

    pub.notice_create(
        actor=officer,
        kind=NoticeKind.ANNOUNCEMENT,
        title="春节期间服务窗口安排（草稿）",
        body="春节期间服务窗口的开放时间另行通知。",
    )
    return Notice.objects.count()


def _confirm_some(rng, notice: Notice, *, share: float) -> None:
    """About `share` of the households read and confirmed it, over the weeks since it
    was published (bulk, as many households would over many days)."""
    published = Notice.objects.values_list("publish_at", flat=True).get(pk=notice.pk)
    span = (timezone.now() - published).total_seconds()
    reads = [
        NoticeRead(
            notice=notice,
            household=household,
            at=published + datetime.timedelta(seconds=span * rng.random() ** 2),
        )
        for household in pub.targeted_households(notice).order_by("pk")
        if rng.random() < share
    ]
    NoticeRead.objects.bulk_create(reads, batch_size=2000)


def _housed(estate: Estate) -> list[Household]:
    return list(
        Household.objects.filter(estate=estate, status=HouseholdStatus.TENANT, unit__isnull=False)
        .exclude(accounts__username="tenant")
        .order_by("pk")
    )


def _activity(actor, title, estate, days, *, at=14, length=2, capacity=30, **extra) -> Activity:
    """An activity `days` from today, starting at `at` o'clock local time."""
    day = timezone.localdate() + days * DAY
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(at, 30)))
    return act.activity_create(
        act.ActivityInput(
            title=title,
            place=extra.pop("place", "社区活动室"),
            starts_at=starts,
            ends_at=starts + length * HOUR,
            signup_until=starts - 20 * HOUR,
            capacity=capacity,
            estate=estate,
            **extra,
        ),
        actor=actor,
    )


def _held(activity: Activity, days_ago: int) -> None:
    """Move an activity, made for next week, back to when it was held."""
    shift = (activity.starts_at - timezone.now()) + days_ago * DAY
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=F("starts_at") - shift,
        ends_at=F("ends_at") - shift,
        signup_until=F("signup_until") - shift,
        created_at=F("created_at") - shift - 14 * DAY,
    )
    activity.refresh_from_db()


def _activities(rng, community, officer, home: Estate) -> tuple[int, int]:
    households = _housed(home)
    credited = 0
    # Held: a volunteering clean-up (credit for those who came) and a health talk.
    cleanup = _activity(
        community,
        "小区环境清洁志愿服务",
        home,
        7,
        at=9,
        volunteering=True,
        hours=Decimal("2.0"),
        capacity=20,
        description="清理绿化带和楼道杂物，工具由物业提供。",
    )
    signups = [act.signup_create(cleanup, h, actor=community) for h in households[:14]]
    _held(cleanup, 21)
    result = act.attendance_record(
        cleanup, actor=community, came={s.pk: rng.random() < 0.8 for s in signups}
    )
    credited += result.credited
    talk = _activity(community, "秋冬季老年人健康讲座", home, 7, capacity=40)
    for household in households[14:30]:
        act.signup_create(talk, household, actor=community, people=rng.randint(1, 2))
    _held(talk, 45)
    act.attendance_record(
        talk, actor=community, came={s.pk: rng.random() < 0.85 for s in talk.signups.all()}
    )
    # Coming: open for sign-up, on the portal too.
    tea = _activity(
        community,
        "重阳节敬老茶话会",
        home,
        6,
        description="为小区70岁以上老人举办茶话会，欢迎家属陪同。",
    )
    for household in households[30:38]:
        act.signup_create(tea, household, actor=community, people=rng.randint(1, 3))
    _activity(
        officer,
        "公租房政策宣讲会",
        None,
        9,
        place="区住房保障中心三楼会议室",
        capacity=80,
        description="讲解修订后的管理办法，现场答疑。",
    )
    craft = _activity(community, "亲子手工课", home, 12, capacity=12)
    for household in households[38:42]:
        act.signup_create(craft, household, actor=community, people=3)
    film = _activity(community, "露天电影放映", home, 4, capacity=60)
    act.activity_cancel(film, actor=community, reason="天气预报有雨，改期另行通知。")
    Activity.objects.filter(status=ActivityStatus.OPEN, signup_until__lt=timezone.now()).update(
        status=ActivityStatus.CLOSED
    )
    return Activity.objects.count(), credited


def _surveys(rng, officer, estates: list[Estate], home: Estate) -> int:
    """The yearly survey, sent a month and a half ago to every estate, answered by about
    45% of households (each estate a little differently), then closed; and a short one
    still open."""
    today = timezone.localdate()
    yearly = survey_yearly_create(
        today.year, actor=officer, estates=estates, opens_on=today, closes_on=today + 30 * DAY
    )
    sv.survey_send(yearly, actor=officer)
    questions = list(yearly.questions.order_by("sort"))
    leaning = {estate.pk: rng.uniform(-0.7, 0.6) for estate in estates}
    texts = ["电梯经常坏，希望加快维修。", "楼道灯晚上不亮。", "物业态度很好！", "希望增加停车位。"]
    answered = 0
    demo_tenant = Household.objects.filter(accounts__username="tenant").values_list("pk", flat=True)
    skip = set(demo_tenant)
    invitations = list(
        Invitation.objects.filter(survey=yearly).select_related("household").order_by("pk")
    )
    for invitation in invitations:
        if rng.random() > 0.45 or invitation.household_id in skip:
            continue
        lean = leaning[invitation.household.estate_id]
        answers: dict[int, object] = {}
        for question in questions:
            if question.kind == QuestionKind.RATING:
                answers[question.pk] = max(1, min(5, round(rng.gauss(3.8 + lean, 0.9))))
            elif question.kind == QuestionKind.TEXT and rng.random() < 0.3:
                answers[question.pk] = rng.choice(texts)
        survey_answer(invitation, answers=answers)
        answered += 1
    sv.survey_close(yearly, actor=officer)
    # Back to when it ran; answers keep only a day, and that day moves with it.
    answered_on = today - 30 * DAY
    Survey.objects.filter(pk=yearly.pk).update(
        opens_on=today - 45 * DAY, closes_on=today - 15 * DAY, sent_at=timezone.now() - 45 * DAY
    )
    Response.objects.filter(survey=yearly).update(submitted_on=answered_on)
    Invitation.objects.filter(survey=yearly, responded_at__isnull=False).update(
        responded_at=timezone.make_aware(datetime.datetime.combine(answered_on, datetime.time()))
    )
    short = sv.survey_create(
        sv.SurveyInput(
            title="社区活动意见征集",
            year=today.year,
            estates=[home],
            opens_on=today,
            closes_on=today + 10 * DAY,
            intro="请告诉我们您喜欢的活动，我们据此安排下一季度的活动。",
        ),
        actor=officer,
    )
    sv.question_add(
        short,
        actor=officer,
        kind=QuestionKind.MULTIPLE,
        text="您喜欢哪些活动？",
        options=["文艺演出", "健康讲座", "亲子活动", "志愿服务"],
    )
    sv.question_add(
        short,
        actor=officer,
        kind=QuestionKind.RATING,
        text="您对社区活动总体满意吗？",
        dimension="community",
    )
    sv.question_add(
        short, actor=officer, kind=QuestionKind.TEXT, text="还想参加什么活动？", required=False
    )
    sv.survey_send(short, actor=officer)
    return answered
