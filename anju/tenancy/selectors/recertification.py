"""Reads of the yearly recertification: the campaigns a user sees, a campaign's progress
per estate and per community, its cases with their verification state, the outcomes
report, and a household's own standing for the portal."""

from decimal import Decimal

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Q

from anju.households.models import LeaseRent, LeaseStatus, RentReason

from ..models import Campaign, CampaignStatus, EntryChannel, Outcome, RecertCase, RecertStatus
from ..services.outcomes import sentence
from ..services.recertification import answered_q, requests_of_campaign

COUNT_FIELDS = [
    "households",
    "declared",
    "verified",
    "computed",
    "confirmed",
    *Outcome.values,
]


def decided_q(outcome: str) -> Q:
    """The outcome that stands: the confirmed one, else the computed one."""
    return Q(confirmed_outcome=outcome) | (Q(confirmed_outcome="") & Q(outcome=outcome))


def _counts(campaign: Campaign) -> dict:
    counts = {
        "households": Count("pk"),
        "declared": Count("pk", filter=Q(declaration__isnull=False)),
        "verified": Count("pk", filter=answered_q(campaign)),
        "computed": Count("pk", filter=~Q(outcome="")),
        "confirmed": Count("pk", filter=Q(status=RecertStatus.CONFIRMED)),
    }
    for outcome in Outcome.values:
        counts[outcome] = Count("pk", filter=decided_q(outcome))
    return counts


def campaigns_for(user):
    """The campaigns the user sees, each with its counts over the user's own estates."""
    campaigns = list(Campaign.objects.visible_to(user).prefetch_related("estates"))
    counts = {
        row["campaign"]: row
        for row in RecertCase.objects.visible_to(user)
        .filter(campaign__in=campaigns)
        .values("campaign")
        .annotate(
            households=Count("pk"),
            declared=Count("pk", filter=Q(declaration__isnull=False)),
            computed=Count("pk", filter=~Q(outcome="")),
            confirmed=Count("pk", filter=Q(status=RecertStatus.CONFIRMED)),
        )
        .order_by()
    }
    for campaign in campaigns:
        campaign.counts = counts.get(campaign.pk, {})
    return campaigns


def campaign_progress(campaign: Campaign, user) -> dict:
    """Counts per estate (with its community), per community, and in all, over the
    estates the user sees: households, declared, verified (every request answered),
    computed, confirmed, and how many stand at each outcome."""
    estates = list(
        RecertCase.objects.visible_to(user)
        .filter(campaign=campaign)
        .values("estate_id", "estate__name", "estate__community_id", "estate__community__name")
        .annotate(**_counts(campaign))
        .order_by("estate__community__name", "estate__name")
    )
    communities: dict = {}
    total = dict.fromkeys(COUNT_FIELDS, 0)
    for row in estates:
        key = row["estate__community_id"]
        group = communities.setdefault(
            key,
            {"name": row["estate__community__name"], "id": key, **dict.fromkeys(COUNT_FIELDS, 0)},
        )
        for name in COUNT_FIELDS:
            group[name] += row[name]
            total[name] += row[name]
    return {"estates": estates, "communities": list(communities.values()), "total": total}


def cases_for(campaign: Campaign, user):
    """The campaign's cases the user sees, with whether the agencies answered in full
    (`answered`) and whether an answer differs from the declaration (`mismatch`)."""
    return (
        RecertCase.objects.visible_to(user)
        .filter(campaign=campaign)
        .annotate(
            answered=ExpressionWrapper(answered_q(campaign), output_field=BooleanField()),
            mismatch=Exists(requests_of_campaign(campaign).filter(mismatch=True)),
        )
        .select_related("household__head", "household__unit", "estate", "declaration")
    )


def deciding(reasons, outcome: str) -> list[dict]:
    """The reasons that decided `outcome`: what made the household leave, the band of
    its tiered rent, its exemption, or the missed deadline."""
    reasons = list(reasons or ())
    if outcome == Outcome.MUST_EXIT:
        return [r for r in reasons if r["outcome"] == outcome and r["code"] != "per_capita"]
    if outcome == Outcome.TIERED:
        return [r for r in reasons if r["code"] == "income"]
    if outcome == Outcome.QUALIFIES:
        return [r for r in reasons if r["code"] == "exempt"]
    return [r for r in reasons if r["outcome"] == outcome]


def with_sentences(cases) -> list:
    """The cases, each with `sentences` (every reason in the reader's language, with its
    outcome) and `deciding` (the sentences of the reasons that decided)."""
    cases = list(cases)
    for case in cases:
        case.sentences = [(r.get("outcome", ""), sentence(r)) for r in case.reasons or ()]
        case.deciding = [sentence(r) for r in deciding(case.reasons, case.outcome)]
    return cases


def reasons_text(reasons) -> str:
    return "；".join(sentence(r) for r in reasons or ())


def per_capita_of(reasons) -> str:
    return next((r["actual"] for r in reasons or () if r.get("code") == "per_capita"), "")


def ratio_of(reasons) -> str:
    return next((r["actual"] for r in reasons or () if r.get("code") == "income"), "")


def outcome_report_rows(cases):
    """The "recertification outcomes" report: one row per case, from one query."""
    rows = cases.order_by("estate__name", "household__number").values_list(
        "household__number",
        "household__head__name",
        "estate__name",
        "estate__community__name",
        "household__unit__code",
        "status",
        "declaration__channel",
        "declaration__submitted_at",
        "declaration__member_count",
        "declaration__total_income",
        "reasons",
        "outcome",
        "rent_multiple",
        "confirmed_outcome",
        "confirmed_multiple",
        "exception_note",
        "effective_from",
    )
    for (
        number,
        head,
        estate,
        community,
        unit,
        status,
        channel,
        declared_at,
        members,
        income,
        reasons,
        outcome,
        multiple,
        confirmed,
        confirmed_multiple,
        note,
        effective,
    ) in rows.iterator(2000):
        yield [
            number,
            head or "",
            estate,
            community or "",
            unit or "",
            RecertStatus(status).label,
            _label(channel),
            f"{declared_at:%Y-%m-%d}" if declared_at else "",
            members if members is not None else "",
            income if income is not None else "",
            per_capita_of(reasons),
            ratio_of(reasons),
            Outcome(outcome).label if outcome else "",
            multiple if multiple is not None else "",
            Outcome(confirmed).label if confirmed else "",
            confirmed_multiple if confirmed_multiple is not None else "",
            note,
            f"{effective:%Y-%m-%d}" if effective else "",
            reasons_text(reasons),
        ]


def _label(channel) -> str:
    return str(EntryChannel(channel).label) if channel in EntryChannel.values else ""


def portal_standing(household) -> dict | None:
    """The household's latest recertification for its portal page: the case, whether it
    may still declare, its reasons in words, and the new rent a confirmed outcome set
    ({"from", "rent", "multiple"}), or None when it was never in a campaign."""
    case = (
        RecertCase.objects.filter(household=household)
        .select_related("campaign", "declaration")
        .order_by("-campaign__opened_on", "-pk")
        .first()
    )
    if case is None:
        return None
    new_rent = None
    if case.status == RecertStatus.CONFIRMED and case.effective_from:
        row = (
            LeaseRent.objects.filter(
                lease__household=household,
                lease__status=LeaseStatus.ACTIVE,
                reason=RentReason.RECERTIFICATION,
                effective_from=case.effective_from,
            )
            .order_by("-pk")
            .first()
        )
        if row is not None:
            new_rent = {
                "from": row.effective_from,
                "rent": row.monthly_rent,
                "multiple": Decimal(row.rent_multiplier).normalize(),
            }
    open_ = case.campaign.status == CampaignStatus.OPEN and case.status != RecertStatus.CONFIRMED
    return {
        "case": case,
        "can_declare": open_,
        "sentences": [sentence(r) for r in deciding(case.reasons, case.confirmed_outcome)]
        if case.status == RecertStatus.CONFIRMED and case.confirmed_outcome == case.outcome
        else [],
        "new_rent": new_rent,
    }
