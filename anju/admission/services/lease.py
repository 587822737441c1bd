"""From a chosen unit to a household living in it: the lease offer with terms computed
from the rules (art. 18 bounds the term; the rent is area × the estate's standard × the
household's relief tier), the contract as a PDF, the signed scan kept in the household's
archive, and the move-in handover, which starts the lease and makes the unit occupied.

A selection moves held → signed → moved in; the offer records each step."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, timeline
from anju.core.errors import DomainError
from anju.core.models import Organisation, OrgKind
from anju.core.uploads import check_document
from anju.households import services as hh
from anju.households.models import DocumentType, Lease
from anju.housing.handover import (  # noqa: F401 (the views read the first three here)
    CHECKLIST_ITEMS,
    METERS,
    REQUIRED_METERS,
    checked_checklist,
    checked_count,
    checked_credentials,
    checked_meters,
    checked_photos,
)
from anju.housing.services import rent_standard_in_force

from ..models import (
    ApplicationStatus,
    LeaseOffer,
    MoveInHandover,
    Selection,
    SelectionStatus,
)
from ..pdf import render_pdf
from .applications import set_status

timeline.register(
    "lease.offered",
    gettext_lazy(
        "Lease %(number)s offered for unit %(unit)s: %(rent)s yuan a month, %(start)s to %(end)s"
    ),
)
timeline.register("lease.signed", gettext_lazy("Lease %(number)s signed; the scan is archived"))
timeline.register(
    "lease.handover",
    gettext_lazy(
        "Unit %(unit)s handed over: %(keys)s keys, %(cards)s cards, %(defects)s defects noted"
    ),
)

CENT = Decimal("0.01")


# --- Terms ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    start: datetime.date
    end: datetime.date
    years: int
    max_years: int
    area_m2: Decimal
    price_per_m2: Decimal
    standard_from: datetime.date
    standard_source: str
    relief_tier: Decimal
    monthly_rent: Decimal


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def monthly_rent(area_m2: Decimal, price_per_m2: Decimal, relief_tier: Decimal) -> Decimal:
    """Area × the estate's rent standard × the household's relief tier, to the cent."""
    return (Decimal(area_m2) * Decimal(price_per_m2) * Decimal(relief_tier)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def lease_offer_terms(
    selection: Selection, *, start: datetime.date, years: int | None = None
) -> Terms:
    """The terms a lease for this selection would have from `start`: the longest term
    the round's rules allow (art. 18), or `years` if shorter, and the rent."""
    ruleset = selection.round.ruleset
    max_years = ruleset.max_lease_years
    if years is None:
        years = max_years
    if years < 1:
        raise DomainError(_("A lease runs for at least one year."), code="term_too_short")
    if years > max_years:
        raise DomainError(
            _(
                "A lease may run for at most %(max)s years under the %(year)s rules "
                "(art. 18 of the Measures); %(years)s asked."
            )
            % {"max": max_years, "year": ruleset.year, "years": years},
            code="term_too_long",
        )
    if start < timezone.localdate(selection.chosen_at):
        raise DomainError(
            _("A lease cannot start before the unit was chosen (%(day)s).")
            % {"day": timezone.localdate(selection.chosen_at)},
            code="start_too_early",
        )
    unit = selection.unit
    standard = rent_standard_in_force(unit.estate, start)
    if standard is None:
        raise DomainError(
            _("Estate %(estate)s has no rent standard in force on %(day)s.")
            % {"estate": unit.estate.name, "day": start},
            code="no_rent_standard",
        )
    category = selection.entrant.waiting_entry.category
    rule = ruleset.categories.filter(category=category).first()
    if rule is None:
        raise DomainError(
            _("The %(year)s rules have no line for this household's category.")
            % {"year": ruleset.year},
            code="no_category_rule",
        )
    return Terms(
        start=start,
        end=add_years(start, years),
        years=years,
        max_years=max_years,
        area_m2=unit.area_m2,
        price_per_m2=standard.price_per_m2,
        standard_from=standard.effective_from,
        standard_source=standard.source,
        relief_tier=rule.relief_tier,
        monthly_rent=monthly_rent(unit.area_m2, standard.price_per_m2, rule.relief_tier),
    )


def _lease_number(selection: Selection) -> str:
    return f"L-{selection.round.number}-{selection.pk:05d}"


# --- The contract -------------------------------------------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _group_upper(group: int) -> str:
    out, zero = "", False
    for place in (3, 2, 1, 0):
        digit = group // 10**place % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[digit] + _PLACES[place]
    return out


def rmb_upper(amount: Decimal) -> str:
    """An amount in yuan written out in capital numerals, as contracts and receipts
    write money: 455.00 → 肆佰伍拾伍元整."""
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    if amount < 0:
        raise ValueError("a negative amount")
    yuan = int(amount)
    jiao, fen = divmod(int((amount - yuan) * 100), 10)
    groups = []
    rest = yuan
    while rest:
        groups.append(rest % 10000)
        rest //= 10000
    out, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = bool(out)
            continue
        if out and (gap or group < 1000):
            out += "零"
        out += _group_upper(group) + _GROUPS[index]
        gap = False
    if out:
        out += "元"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif fen and out:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    return (out or "零元") + ("" if fen else "整")


def _lessor(unit) -> str:
    """甲方: the estate's operator, on the authority's behalf. Contract text, so in
    Chinese whatever the reader's language (see anju.admission.pdf)."""
    authority = Organisation.objects.filter(kind=OrgKind.AUTHORITY).first()
    operator = unit.estate.operator
    if operator and authority:
        return f"{operator.name}（受{authority.name}委托）"
    party = operator or authority
    return party.name if party else ""


def contract_context(offer: LeaseOffer, terms: Terms) -> dict:
    """What the contract template prints. The lessee's full ID number is on the
    contract, as on any lease; the contract is kept like the archive, behind a scoped
    download."""
    selection = offer.selection
    household = selection.household
    unit = selection.unit
    members = list(household.members.filter(left_at__isnull=True).order_by("id"))
    head = household.head or (members[0] if members else None)
    return {
        "offer": offer,
        "terms": terms,
        "round": selection.round,
        "ruleset": selection.round.ruleset,
        "household": household,
        "head": head,
        "head_id_number": head.reveal_id_number() if head else "",
        "others": [m for m in members if head is None or m.pk != head.pk],
        "unit": unit,
        "estate": unit.estate,
        "lessor": _lessor(unit),
        "relief_percent": (terms.relief_tier * 100).quantize(Decimal("1")),
        "rent_upper": rmb_upper(terms.monthly_rent),
        "today": timezone.localdate(),
    }


def _contract_pdf(offer: LeaseOffer, terms: Terms) -> ContentFile:
    return ContentFile(render_pdf("admission/lease/contract.html", contract_context(offer, terms)))


# --- The offer ------------------------------------------------------------------------------


def lease_offer_create(
    selection: Selection, *, actor, start: datetime.date, years: int | None = None
) -> LeaseOffer:
    """The lease a chosen unit leads to, with its contract PDF, ready to be signed."""
    if selection.status != SelectionStatus.HELD:
        raise DomainError(
            _("A lease can be offered only for a unit chosen and not yet signed for."),
            code="selection_not_held",
        )
    if LeaseOffer.objects.filter(selection=selection).exists():
        raise DomainError(_("This selection already has a lease offer."), code="offer_exists")
    terms = lease_offer_terms(selection, start=start, years=years)
    number = _lease_number(selection)
    if Lease.objects.filter(number=number).exists():
        raise DomainError(
            _("Lease number %(n)s is already taken.") % {"n": number}, code="number_taken"
        )
    offer = LeaseOffer(
        selection=selection,
        number=number,
        start=terms.start,
        end=terms.end,
        area_m2=terms.area_m2,
        price_per_m2=terms.price_per_m2,
        relief_tier=terms.relief_tier,
        monthly_rent=terms.monthly_rent,
    )
    contract = _contract_pdf(offer, terms)
    with transaction.atomic():
        try:
            with transaction.atomic():
                offer.save()
        except IntegrityError as exc:
            raise DomainError(
                _("This selection already has a lease offer."), code="offer_exists"
            ) from exc
        offer.contract.save(f"{offer.number}.pdf", contract, save=False)
        offer.save(update_fields=["contract"])
        _record_offer(offer, actor, "lease_offer.create")
    return offer


def lease_offer_revise(
    offer: LeaseOffer, *, actor, start: datetime.date, years: int | None = None
) -> LeaseOffer:
    """New dates for an offer not yet signed: the terms and the contract are made
    again."""
    if offer.signed_at is not None:
        raise DomainError(
            _("Lease %(n)s is signed; its terms cannot change.") % {"n": offer.number},
            code="offer_signed",
        )
    terms = lease_offer_terms(offer.selection, start=start, years=years)
    offer.start, offer.end = terms.start, terms.end
    offer.area_m2, offer.price_per_m2 = terms.area_m2, terms.price_per_m2
    offer.relief_tier, offer.monthly_rent = terms.relief_tier, terms.monthly_rent
    contract = _contract_pdf(offer, terms)
    with transaction.atomic():
        offer.contract.save(f"{offer.number}.pdf", contract, save=False)
        offer.save(
            update_fields=[
                "start",
                "end",
                "area_m2",
                "price_per_m2",
                "relief_tier",
                "monthly_rent",
                "contract",
            ]
        )
        _record_offer(offer, actor, "lease_offer.revise")
    return offer


def _record_offer(offer: LeaseOffer, actor, action: str) -> None:
    selection = offer.selection
    audit.record(
        actor=actor,
        action=action,
        target=offer,
        changes={
            "number": offer.number,
            "unit": selection.unit.code,
            "household": selection.household.number,
            "start": str(offer.start),
            "end": str(offer.end),
            "area_m2": offer.area_m2,
            "price_per_m2": offer.price_per_m2,
            "relief_tier": offer.relief_tier,
            "monthly_rent": offer.monthly_rent,
            # The contract prints the lessee's full ID number.
            "contract_reveals": "id_number",
        },
    )
    timeline.add(
        "lease.offered",
        actor=actor,
        for_household=selection.household,
        for_unit=selection.unit,
        number=offer.number,
        unit=selection.unit.code,
        rent=str(offer.monthly_rent),
        start=str(offer.start),
        end=str(offer.end),
    )


def lease_offer_sign(offer: LeaseOffer, *, actor, signed_scan_file) -> LeaseOffer:
    """The household has signed: the scan of the signed contract goes into its archive
    and the selection is signed."""
    if offer.signed_at is not None:
        raise DomainError(
            _("Lease %(n)s is already signed.") % {"n": offer.number}, code="already_signed"
        )
    selection = offer.selection
    if selection.status != SelectionStatus.HELD:
        raise DomainError(
            _("The selection behind lease %(n)s is no longer held.") % {"n": offer.number},
            code="selection_not_held",
        )
    if not signed_scan_file:
        raise DomainError(_("Upload the scan of the signed contract."), code="upload_missing")
    check_document(signed_scan_file)
    with transaction.atomic():
        locked = LeaseOffer.objects.select_for_update().get(pk=offer.pk)
        if locked.signed_at is not None:
            raise DomainError(
                _("Lease %(n)s is already signed.") % {"n": offer.number}, code="already_signed"
            )
        document = hh.document_add(
            selection.household,
            actor=actor,
            doc_type=DocumentType.LEASE,
            title=_("Signed lease %(n)s") % {"n": offer.number},
            file=signed_scan_file,
        )
        offer.signed_scan = document
        offer.signed_at = timezone.now()
        offer.save(update_fields=["signed_scan", "signed_at"])
        selection.status = SelectionStatus.SIGNED
        selection.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="lease_offer.sign",
            target=offer,
            changes={"number": offer.number, "signed_scan": document.pk},
        )
        timeline.add(
            "lease.signed",
            actor=actor,
            for_household=selection.household,
            number=offer.number,
        )
    return offer


# --- The handover -----------------------------------------------------------------------------


def move_in_handover(
    offer: LeaseOffer,
    *,
    actor,
    checklist,
    meter_readings,
    keys,
    cards,
    photos=(),
    credentials=(),
) -> MoveInHandover:
    """The keys change hands. Records the unit's condition (`checklist`: one
    {"item", "ok", "note"} per CHECKLIST_ITEMS entry, a note for each defect), the meter
    readings, the keys and cards handed over, the photos (into the household's archive)
    and the door credentials enrolled (`credentials`: (member, kind, ref) rows); then
    the lease starts, the unit is occupied, the household is a tenant and its
    application housed. Every problem with the input is named at once, and nothing is
    written unless all is well."""
    selection = offer.selection
    household = selection.household
    unit = selection.unit
    if MoveInHandover.objects.filter(offer=offer).exists():
        raise DomainError(
            _("Unit %(unit)s has already been handed over for lease %(n)s.")
            % {"unit": unit.code, "n": offer.number},
            code="already_handed_over",
        )
    if offer.signed_at is None or selection.status != SelectionStatus.SIGNED:
        raise DomainError(
            _("Lease %(n)s must be signed before the unit is handed over.") % {"n": offer.number},
            code="not_signed",
        )
    rows, problems = checked_checklist(checklist)
    readings, more = checked_meters(meter_readings)
    problems += more
    key_count, more = checked_count(keys, _("Keys"))
    problems += more
    card_count, more = checked_count(cards, _("Cards"))
    problems += more
    enrol, more = checked_credentials(credentials, household)
    problems += more
    problems += checked_photos(photos)
    if problems:
        raise DomainError("; ".join(str(p) for p in problems), code="bad_handover")

    with transaction.atomic():
        locked = LeaseOffer.objects.select_for_update().get(pk=offer.pk)
        if locked.lease_id is not None or MoveInHandover.objects.filter(offer=offer).exists():
            raise DomainError(
                _("Unit %(unit)s has already been handed over for lease %(n)s.")
                % {"unit": unit.code, "n": offer.number},
                code="already_handed_over",
            )
        handover = MoveInHandover.objects.create(
            offer=offer,
            checklist=rows,
            meter_readings=readings,
            keys=key_count,
            cards=card_count,
            done_by=actor,
        )
        documents = [
            hh.document_add(
                household,
                actor=actor,
                doc_type=DocumentType.PHOTO,
                title=_("Move-in photo %(i)s, unit %(unit)s") % {"i": i, "unit": unit.code},
                file=photo,
            )
            for i, photo in enumerate(photos or (), start=1)
        ]
        if documents:
            handover.photos.add(*documents)
        for member, kind, ref in enrol:
            hh.credential_add(member, actor=actor, kind=kind, ref=ref)
        lease = hh.lease_start(
            household,
            actor=actor,
            unit=unit,
            number=offer.number,
            start=offer.start,
            end=offer.end,
            monthly_rent=offer.monthly_rent,
            # The terms the rent was computed from, and the signed contract.
            terms={
                "area_m2": offer.area_m2,
                "price_per_m2": offer.price_per_m2,
                "relief_tier": offer.relief_tier,
                "signed_document": offer.signed_scan,
            },
        )
        offer.lease = lease
        offer.save(update_fields=["lease"])
        selection.status = SelectionStatus.MOVED_IN
        selection.save(update_fields=["status"])
        application = getattr(household, "application", None)
        if application is not None and application.status != ApplicationStatus.HOUSED:
            set_status(application, ApplicationStatus.HOUSED)
        # The waiting-list entry left the list as "allocated" when the unit was chosen.
        defects = sum(1 for row in rows if not row["ok"])
        audit.record(
            actor=actor,
            action="lease.handover",
            target=handover,
            changes={
                "lease": offer.number,
                "unit": unit.code,
                "checklist": rows,
                "meter_readings": readings,
                "keys": key_count,
                "cards": card_count,
                "photos": [d.pk for d in documents],
                "credentials": [[m.name, kind, ref] for m, kind, ref in enrol],
            },
        )
        for target in ({"for_household": household}, {"for_unit": unit}):
            timeline.add(
                "lease.handover",
                actor=actor,
                unit=unit.code,
                keys=key_count,
                cards=card_count,
                defects=defects,
                **target,
            )
    return handover
