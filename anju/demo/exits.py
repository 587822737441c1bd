"""The demo's exits and exchanges, made on an existing demo district through the exits
services, as staff would, dated back so that every stage shows: cases awaiting a
decision (one overdue), a notice overdue, households in their moving period,
overstays at market rent with their monthly bills, cases in court (one with a hearing
coming, one not yet filed and overdue), a unit handed back with its deposit still to
settle, closed cases with their settlements (the dashboard's averages), and one
withdrawn. Then exchanges: a request waiting, a unit offered, a move done, a transfer
ordered, and a mutual-exchange pair proposed.

Households are drawn from the seed among those not already in a case; the "must
vacate" listings of the tenancy demo become cases first."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from anju.core.models import User
from anju.exits.models import ExitCase, ExitReason, Stage
from anju.exits.services import billing, cases
from anju.households.models import Household, HouseholdStatus
from anju.housing.handover import CHECKLIST_ITEMS
from anju.housing.models import UnitStatus
from anju.supervision.models import ViolationCase
from anju.tenancy.models import Bill, BillKind, BillStatus, ListingStatus, VacateListing
from anju.tenancy.services.vacate import listing_add

DAY = datetime.timedelta(days=1)


def _checklist(faults: dict[str, str] | None = None) -> list[dict]:
    faults = faults or {}
    return [
        {"item": item, "ok": item not in faults, "note": faults.get(item, "")}
        for item in CHECKLIST_ITEMS
    ]


def _handover(rng, *, faults=None, charges=None, unit_after="vacant") -> dict:
    return {
        "checklist": _checklist(faults),
        "meter_readings": {
            "water": f"{rng.randint(80, 400)}.{rng.randint(0, 9)}",
            "electricity": f"{rng.randint(2000, 9000)}.{rng.randint(0, 9)}",
        },
        "keys": 2,
        "cards": rng.choice([1, 2]),
        "charges": charges or {},
        "unit_after": unit_after,
    }


class Demo:
    def __init__(self, *, seed: int, say):
        self.rng = random.Random(seed)
        self.say = say
        self.today = timezone.localdate()
        self.officer = User.objects.get(username="officer")
        self.operator = User.objects.filter(username="operator").first() or self.officer
        self.counts = {"exit_cases": 0, "exchanges": 0}
        tenant = User.objects.filter(username="tenant", household__isnull=False).first()
        busy = set(ViolationCase.objects.values_list("household_id", flat=True))
        busy |= set(VacateListing.objects.values_list("household_id", flat=True))
        if tenant is not None:
            busy.add(tenant.household_id)
        free = list(
            Household.objects.filter(
                status=HouseholdStatus.TENANT, unit__isnull=False, head__isnull=False
            )
            .exclude(pk__in=busy)
            # Cases are dated up to 200 days back: leases that began well before.
            .filter(leases__status="active", leases__start__lte=self.today - 400 * DAY)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.rng.shuffle(free)
        self.free = free
        self.listings = list(
            VacateListing.objects.filter(status=ListingStatus.LISTED).order_by("pk")
        )

    def days(self, n: int) -> datetime.date:
        return self.today + n * DAY

    def household(self) -> Household:
        return Household.objects.get(pk=self.free.pop())

    # --- Ways in ------------------------------------------------------------------------

    def arrears(self, on: datetime.date) -> ExitCase:
        """A case from the tenancy demo's "must vacate" list, or, when it runs out, one
        listed here the same way."""
        if self.listings:
            listing = self.listings.pop(0)
        else:
            listing, _new = listing_add(
                self.household(),
                actor=self.officer,
                reason="arrears",
                evidence={"欠缴月数": "7", "欠缴金额": "¥3,185.00"},
                on=on - 5 * DAY,
            )
        case = cases.case_from_listing(listing, actor=self.operator)
        return self._backdate(case, on)

    def recertification(self, on: datetime.date) -> ExitCase:
        listing, _new = listing_add(
            self.household(),
            actor=self.officer,
            reason="recertification",
            evidence={
                "人均月收入": f"¥{self.rng.randint(52, 68)}00（为限额的5.6倍）",
                "核查": "不动产登记：名下新增住房一套",
            },
            on=on - 3 * DAY,
        )
        return self._backdate(cases.case_from_listing(listing, actor=self.operator), on)

    def staff(self, reason: str, on: datetime.date, summary: str, evidence: dict) -> ExitCase:
        return cases.case_open(
            self.household(),
            actor=self.operator,
            reason=reason,
            channel="staff",
            summary=summary,
            evidence=evidence,
            on=on,
        )

    def voluntary(self, on: datetime.date, move_out: datetime.date) -> ExitCase:
        household = self.household()
        case = cases.case_open(
            household,
            actor=self.operator,
            reason=ExitReason.VOLUNTARY,
            channel="counter",
            summary="承租人已购买商品住房，申请提前解除租赁合同。",
            requested_move_out=move_out,
            on=on,
        )
        return case

    def _backdate(self, case: ExitCase, on: datetime.date) -> ExitCase:
        """A case opened from a listing is dated today by the service; the demo dates it
        back with its deadline."""
        case.opened_on = on
        case.due_on = cases.due_after(case, on)
        case.save(update_fields=["opened_on", "due_on"])
        return case

    # --- Steps --------------------------------------------------------------------------

    def decide(self, case, on, *, other=False, text="经审查，情况属实，决定收回承租住房。"):
        return cases.case_decide(
            case, actor=self.officer, decision=text, has_other_housing=other, on=on
        )

    def notice(self, case, on, vacate_by=None):
        case = cases.notice_issue(case, actor=self.officer, on=on, vacate_by=vacate_by)
        self._rent_stops(case)
        return case

    def _rent_stops(self, case: ExitCase) -> None:
        """The demo's bill run billed every month up to now before this notice was dated
        back; the rent bills after the deadline are taken back as the bill run would
        never have raised them."""
        from anju.tenancy.services.billing import bill_shorten

        later = Bill.objects.filter(
            lease=case.lease,
            kind=BillKind.RENT,
            period_end__gt=case.vacate_by,
        ).exclude(status=BillStatus.CANCELLED)
        for bill in later:
            bill_shorten(
                bill,
                actor=self.officer,
                last_day=case.vacate_by,
                reason=f"{case.notice_number} 搬迁期满，合同租金止于 {case.vacate_by}",
            )

    def move_out(self, case, on, **handover):
        from anju.exits.services.handovers import move_out

        return move_out(case, actor=self.operator, unit=case.unit, on=on, **handover)

    def settle(self, case, on):
        from anju.exits.services.settlement import settle

        self._deposit(case)
        return settle(case, actor=self.operator, refund_method="bank", on=on)

    def _deposit(self, case: ExitCase) -> None:
        """The deposit the household paid at move-in (the ledger's leases carry its
        amount, not the payment)."""
        from anju.tenancy.services.billing import bill_raise
        from anju.tenancy.services.payments import payment_record

        amount = case.lease.deposit or Decimal("1000.00")
        bill = bill_raise(
            case.household,
            actor=self.operator,
            kind=BillKind.DEPOSIT,
            amount=amount,
            due_on=case.lease.start,
            description=f"{case.lease.number} 押金",
            source_key=f"demo:deposit:{case.lease.number}",
            lease=case.lease,
        )
        if bill.status == BillStatus.OPEN:
            payment_record(
                case.household,
                actor=self.operator,
                amount=bill.outstanding,
                channel="cash",
                paid_at=timezone.make_aware(
                    datetime.datetime.combine(case.lease.start, datetime.time(10))
                ),
                note="入住时缴纳押金",
            )

    # --- The cases ----------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        say, d = self.say, self.days
        say("      exit cases at each stage…")
        made: list[ExitCase] = []
        # Awaiting a decision: one fresh, one overdue.
        made.append(self.arrears(d(-2)))
        made.append(self.voluntary(d(-20), d(30)))
        # Decided; the notice is overdue.
        case = self.arrears(d(-25))
        made.append(self.decide(case, d(-12)))
        # In the moving period.
        case = self.recertification(d(-38))
        case = self.decide(
            case,
            d(-35),
            text="年度复核：人均收入超过最高档，且已有其他住房以外的收入来源，应退出。",
        )
        made.append(self.notice(case, d(-30)))
        case = self.voluntary(d(-10), d(20))
        case = self.decide(case, d(-8), text="同意主动退出，搬迁期至承租人申请的日期。")
        made.append(self.notice(case, d(-7)))
        recovered = ViolationCase.objects.exclude(exit_handoff_on=None).filter(exit_cases=None)
        for violation in recovered[:1]:
            case = cases.case_from_violation(violation, actor=self.officer)
            case = self.decide(case, self.today, text="依违规案件决定收回，限期退回。")
            made.append(self.notice(case, self.today))
        # Overstaying at market rent since the moving period ended.
        for start in (-150, -120):
            case = self.recertification(d(start))
            case = self.decide(
                case, d(start + 5), text="年度复核：不再符合保障条件，确无其他住房。"
            )
            made.append(self.notice(case, d(start + 10)))
        # In court: arrears with a hearing coming; other housing, filing overdue.
        case = self.arrears(d(-160))
        case = self.decide(case, d(-155), text="累计欠缴租金逾6个月，拒不腾退，依第二十九条起诉。")
        made.append(self.notice(case, d(-150)))
        case = self.staff(
            ExitReason.OTHER_HOUSING,
            d(-130),
            "不动产登记信息显示承租人于本年购得住房一套。",
            {"不动产登记": "英雄南路某小区 89.6㎡，登记日期见附件", "核查方式": "部门协查"},
        )
        case = self.decide(case, d(-128), other=True, text="已有其他住房，依第三十一条应腾退。")
        made.append(self.notice(case, d(-125)))
        cases.overstays_begin(self.today)
        self._court(made[-2])
        # Handed back, the deposit still to settle (overdue).
        case = self.voluntary(d(-50), d(-20))
        case = self.decide(case, d(-48), text="同意主动退出。")
        case = self.notice(case, d(-47))
        self.move_out(case, d(-20), **_handover(self.rng))
        made.append(case)
        # Closed, with their settlements: how long from decision to an empty unit.
        closing = [
            ("voluntary", -120, 28, None),
            ("arrears", -200, 95, {"walls": "墙面大面积污损"}),
            ("recertification", -170, 70, None),
            ("dissolved", -90, 45, {"kitchen": "灶台损坏"}),
        ]
        for reason, start, took, faults in closing:
            made.append(self._closed(reason, start, took, faults))
        # Withdrawn: the arrears were paid.
        case = self.arrears(d(-40))
        case = self.decide(case, d(-38))
        case = self.notice(case, d(-35))
        cases.case_withdraw(case, actor=self.officer, reason="承租人已结清全部欠缴租金，撤销腾退。")
        made.append(case)
        billing.exit_bills_raise(self.today)
        self.counts["exit_cases"] = len(made)
        self.counts["exit_overstay_bills"] = Bill.objects.filter(kind=BillKind.OVERSTAY).count()
        self._exchanges()
        return self.counts

    def _court(self, case: ExitCase) -> None:
        from anju.exits.services.court import legal_step_record

        case.refresh_from_db()
        if case.stage != Stage.LITIGATION:
            return
        number = f"（{self.today.year}）晋0402民初{self.rng.randint(1000, 4999)}号"
        legal_step_record(
            case,
            actor=self.operator,
            kind="filed",
            court="长治市L区人民法院",
            court_case_number=number,
            on=self.days(-40),
            due_on=self.days(12),
            summary="运营单位起诉，请求判令腾退房屋并支付欠缴租金。",
        )
        legal_step_record(
            case,
            actor=self.operator,
            kind="hearing",
            court="长治市L区人民法院",
            court_case_number=number,
            on=self.days(12),
            due_on=self.days(12),
            summary="法院定于该日开庭审理。",
        )

    def _closed(self, reason, start, took, faults) -> ExitCase:
        d = self.days
        if reason == "arrears":
            case = self.arrears(d(start))
        elif reason == "recertification":
            case = self.recertification(d(start))
        elif reason == "voluntary":
            case = self.voluntary(d(start), d(start + took))
        else:
            case = self.staff(
                ExitReason.DISSOLVED,
                d(start),
                "承租人去世，无共同居住的家庭成员。",
                {"死亡证明": "民政部门出具", "继承人": "已联系，同意办理退房"},
            )
        case = self.decide(case, d(start + 3))
        case = self.notice(case, d(start + 5))
        handed = min(d(start + 3 + took), case.vacate_by, d(-2))
        charges = {item: "350.00" for item in (faults or {})}
        self.move_out(
            case,
            handed,
            **_handover(
                self.rng,
                faults=faults,
                charges=charges,
                unit_after="under_repair" if faults else "vacant",
            ),
        )
        case.refresh_from_db()
        self.settle(case, min(handed + 5 * DAY, self.today))
        case.refresh_from_db()
        return case

    def _decide(self, ex, request, note: str):
        """Approve a request whose criteria all pass; refuse the others, saying why, as
        the officer would."""
        criteria = ex.eligibility(request, self.today)
        if all(c["passed"] for c in criteria):
            return ex.exchange_decide(request, actor=self.officer, approve=True, note=note)
        failed = "；".join(str(c["detail"]) for c in criteria if not c["passed"])
        return ex.exchange_decide(
            request, actor=self.officer, approve=False, note=f"不符合调换条件：{failed}"[:300]
        )

    def _movable(self, ex) -> Household:
        """A free household that could move now: nothing overdue, no valid points, and a
        vacant unit in its estate within its area standard (else any free household)."""
        from anju.housing.models import Unit
        from anju.supervision.services.points import voluntary_exchange_blocked

        for pk in reversed(self.free[-80:]):
            household = Household.objects.get(pk=pk)
            limit = ex.area_limit(household, self.today).limit
            if (
                limit is None
                or voluntary_exchange_blocked(household, self.today)
                or Bill.objects.filter(
                    household=household, status=BillStatus.OPEN, due_on__lt=self.today
                ).exists()
                or not Unit.objects.filter(
                    estate_id=household.estate_id, status=UnitStatus.VACANT, area_m2__lte=limit
                ).exists()
            ):
                continue
            self.free.remove(pk)
            return household
        return self.household()

    def _swappers(self, ex) -> tuple[Household, Household] | None:
        """Two free households in different estates, each within the area standard for
        the other's unit."""
        candidates = [Household.objects.select_related("unit").get(pk=pk) for pk in self.free[-60:]]
        from anju.supervision.services.points import voluntary_exchange_blocked

        overdue = set(
            Bill.objects.filter(
                household__in=candidates, status=BillStatus.OPEN, due_on__lt=self.today
            ).values_list("household_id", flat=True)
        )
        candidates = [
            h
            for h in candidates
            if h.pk not in overdue and not voluntary_exchange_blocked(h, self.today)
        ]
        limits = {h.pk: ex.area_limit(h, self.today).limit for h in candidates}
        for a in candidates:
            for b in candidates:
                if a.estate_id == b.estate_id or not (limits[a.pk] and limits[b.pk]):
                    continue
                if b.unit.area_m2 <= limits[a.pk] and a.unit.area_m2 <= limits[b.pk]:
                    self.free.remove(a.pk)
                    self.free.remove(b.pk)
                    return a, b
        return None

    # --- Exchanges ----------------------------------------------------------------------

    def _exchanges(self) -> None:
        from anju.exits.models import RequestStatus
        from anju.exits.selectors.exchanges import matching_units
        from anju.exits.services import exchanges as ex
        from anju.exits.services import moves, mutual

        self.say("      exchanges…")
        # Waiting for a decision: an elderly couple asks for a lower floor.
        ex.exchange_request(
            self.household(),
            actor=self.operator,
            kind="exchange",
            reason="lower_floor",
            channel="counter",
            note="夫妇均已年过七十，上下楼困难，申请调换至低楼层。",
            max_floor=2,
        )
        made = 1
        # Approved, with a unit offered; and one approved, moved the month before.
        for reason, note, move in (
            ("size_changed", "家中新添二孩，现住一居室过于拥挤。", False),
            ("school", "子女入学，申请调换至学校附近的小区。", True),
        ):
            request = ex.exchange_request(
                self._movable(ex),
                actor=self.operator,
                kind="exchange",
                reason=reason,
                channel="counter",
                note=note,
            )
            request = self._decide(ex, request, "符合调换条件。")
            made += 1
            if request.status != RequestStatus.APPROVED:
                continue
            unit = matching_units(request, self.today).first()
            if unit is None:
                continue
            request = ex.exchange_offer(request, actor=self.operator, unit=unit)
            if move:
                moves.exchange_carry_out(
                    request,
                    actor=self.operator,
                    on=self.today,
                    out_handover=_handover(self.rng),
                    in_handover={
                        key: value
                        for key, value in _handover(self.rng).items()
                        if key not in ("charges", "unit_after")
                    },
                )
                self.counts["exchanges_done"] = self.counts.get("exchanges_done", 0) + 1
        # A transfer the authority ordered for a major repair.
        ex.transfer_order(
            self.household(),
            actor=self.officer,
            reason="major_repair",
            note="所在楼栋屋面及外墙大修，需临时调换住房。",
        )
        made += 1
        # Households that want to swap, for work: two whose units fit each other, in
        # two estates, posted on the board and proposed as a pair.
        pair = self._swappers(ex)
        for mine, theirs in ((pair[0], pair[1]), (pair[1], pair[0])) if pair else ():
            request = ex.exchange_request(
                mine,
                actor=self.operator,
                kind="mutual",
                reason="work",
                channel="counter",
                note="工作单位调动，希望与其他小区的住户互换住房。",
                estates=[theirs.estate],
            )
            self._decide(ex, request, "符合条件，上墙公示。")
            made += 1
        self.counts["mutual_pairs"] = mutual.pairs_propose(self.today, actor=self.officer)
        self.counts["exchanges"] = made


def generate(*, seed: int, say) -> dict[str, int]:
    if ExitCase.objects.exists():
        say("      exit cases already exist; the exits demo is skipped")
        return {}
    if not User.objects.filter(username="officer").exists():
        say("      no demo officer; the exits demo is skipped")
        return {}
    return Demo(seed=seed, say=say).run()
