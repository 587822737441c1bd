"""Supervision's policy numbers: the screening thresholds and the inspection counts.
Each has a default here, with its unit and the reason for it; the authority replaces a
default with its own value (a `ThresholdValue` row, audited, citing a document).
Screening reads them all at once with `current()`, and each run keeps a copy."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Threshold:
    key: str
    default: Decimal
    unit: object
    label: object
    reason: object
    group: str  # "screening" | "inspection" | "tips"


def _t(key, default, unit, label, reason, group="screening"):
    return Threshold(key, Decimal(default), unit, label, reason, group)


DAYS, SHARE, RATIO, COUNT = _("days"), _("share of the window"), _("× estate median"), _("count")

THRESHOLDS = [
    _t(
        "window_days",
        "90",
        DAYS,
        _("Screening window"),
        _(
            "The Hong Kong abuse rules treat over 3 months without regular residence as "
            "non-occupation; 90 days sees one such span whole."
        ),
    ),
    _t(
        "standby_kwh",
        "1.2",
        _("kWh/day"),
        _("Electricity of an empty home"),
        _(
            "A refrigerator and standby loads use about 0.5–1 kWh a day; one person living "
            "in a flat uses 2 kWh or more. Below this a day counts as unused."
        ),
    ),
    _t(
        "standby_water_m3",
        "0.03",
        _("m³/day"),
        _("Water of an empty home"),
        _("One person uses about 0.1 m³ a day; below 30 litres a day counts as unused."),
    ),
    _t(
        "idle_quiet_days",
        "45",
        DAYS,
        _("Idle: longest run of days with no access and no use"),
        _(
            "Longer than a holiday or a hospital stay (three to four weeks), half of the "
            "3-month non-occupation rule; art. 27 recovery needs 6 months, which the "
            "inspection and later windows establish."
        ),
    ),
    _t(
        "sublet_registered_max",
        "0.10",
        SHARE,
        _("Sublet: registered members seen on at most"),
        _(
            "A household that lives in its unit is seen at its door most days; being "
            "seen on fewer than 1 day in 10 means the members live elsewhere. Counted over "
            "the days the lock reported (a silent lock's weeks are left out)."
        ),
    ),
    _t(
        "sublet_unregistered_min",
        "0.30",
        SHARE,
        _("Sublet: unregistered credentials seen on at least"),
        _(
            "Someone else comes and goes regularly. A visiting relative or a caregiver "
            "also does, which is why the registered members' own absence is required too."
        ),
    ),
    _t(
        "sublet_use_min",
        "0.50",
        RATIO,
        _("Sublet: electricity at least"),
        _("The unit is lived in (an idle unit is flagged idle, not sublet)."),
    ),
    _t(
        "regular_share",
        "0.20",
        SHARE,
        _("A regular person is seen on at least"),
        _("Counts a person as living in or regularly using the unit (a caregiver is one)."),
    ),
    _t(
        "passing_days",
        "2",
        DAYS,
        _("A passing visitor is seen on at most"),
        _(
            "A guest, a customer or a client: a credential seen on one or two days of the "
            "window. Counted only for credentials that name a person (a temporary password "
            "or a card); anonymous passwords and keys cannot be told apart."
        ),
    ),
    _t(
        "overcrowding_extra",
        "3",
        COUNT,
        _("Overcrowding: regular people beyond the household size"),
        _(
            "A caregiver, a relative staying over and a child's friend are ordinary; three "
            "regular people beyond the registered household are a group rental."
        ),
    ),
    _t(
        "overcrowding_water_min",
        "1.50",
        RATIO,
        _("Overcrowding: water at least"),
        _("More people washing and cooking; the estate median is for the same household size."),
    ),
    _t(
        "change_of_use_elec_min",
        "3.00",
        RATIO,
        _("Change of use: electricity at least"),
        _(
            "A shop, workshop, kitchen or server room uses several times a home's power; "
            "a large family uses at most about twice the median of its size."
        ),
    ),
    _t(
        "change_of_use_visitors_min",
        "15",
        COUNT,
        _("Change of use: passing visitors at least"),
        _("Customers or clients; a household's guests are a handful, not a stream."),
    ),
    _t(
        "median_min_units",
        "10",
        COUNT,
        _("Households of a size in an estate needed for the estate's own median"),
        _(
            "A median of fewer households moves with any one of them; with fewer, a unit is "
            "compared with the district's households of the same size."
        ),
    ),
    _t(
        "size_bucket_max",
        "5",
        COUNT,
        _("Households of this size or larger are compared together"),
        _(
            "Few households have six or more members; alone they would have no stable median, "
            "and a home's use grows little past five people."
        ),
    ),
    _t(
        "meter_lookback_days",
        "7",
        DAYS,
        _("Readings before the window read for the first day's use"),
        _(
            "Use is the difference from the previous reading, so the first day of the window "
            "needs a reading before it; a meter that sent nothing for a week before the window "
            "starts counting from its first reading inside it."
        ),
    ),
    _t(
        "lock_silent_days",
        "14",
        DAYS,
        _("A lock that sent nothing for this long is reported as silent"),
        _(
            "A lock that stops reporting must not make a lived-in unit look idle: screening "
            "reads the meters for those days and lists the lock for repair."
        ),
    ),
    _t(
        "lock_silent_use_share",
        "0.50",
        SHARE,
        _("A silent lock's unit used electricity above standby on at least"),
        _(
            "If the meters show use on most of the days the lock was silent, someone lived "
            "there: the lock, not the home, was quiet, and the access shares are counted over "
            "the days the lock reported."
        ),
    ),
    _t(
        "routine_visits_per_year",
        "1",
        COUNT,
        _("Routine visits to each occupied unit per year"),
        _("Every occupied unit is seen at least once a year."),
        "inspection",
    ),
    _t(
        "revisit_days",
        "7",
        DAYS,
        _("Follow-up visit after no answer, within"),
        _("A week gives a different day of the week and time of day a chance."),
        "inspection",
    ),
    _t(
        "letter_attempt",
        "3",
        COUNT,
        _("Unanswered visits before an appointment letter"),
        _("After two failed visits the household is asked for a time in writing."),
        "inspection",
    ),
    _t(
        "case_attempt",
        "4",
        COUNT,
        _("Unanswered visits before a case for investigation"),
        _("A household that ignores the letter is investigated as possibly not living there."),
        "inspection",
    ),
    _t(
        "tip_days",
        "5",
        DAYS,
        _("Days to triage a tip"),
        _("Feedback is answered in 5 working days; a tip should move as fast."),
        "tips",
    ),
    _t(
        "public_tips_per_hour",
        "5",
        COUNT,
        _("Tips from one address per hour on the public page"),
        _("Enough for a real tipster; stops a flood."),
        "tips",
    ),
]
BY_KEY = {t.key: t for t in THRESHOLDS}


def current() -> dict[str, Decimal]:
    """Every threshold's value in force: the authority's where set, else the default."""
    from .models import ThresholdValue

    values = {t.key: t.default for t in THRESHOLDS}
    for key, value in ThresholdValue.objects.values_list("key", "value"):
        if key in values:
            values[key] = value
    return values


def value(key: str) -> Decimal:
    return current()[key]
