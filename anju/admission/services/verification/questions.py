"""What each agency is asked, what its answer means, and when an answer contradicts
what the family declared: the words, the checks, and the timeline sentences."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import timeline
from anju.core.labels import label_for
from anju.core.models import AgencyFunction
from anju.households.models import Category

from ...models import CurrentHousing, Question, RequestStatus, VerificationRequest

AGENCY_QUESTIONS: dict[str, str] = {
    AgencyFunction.CIVIL_AFFAIRS: Question.SUBSISTENCE,
    AgencyFunction.PUBLIC_SECURITY: Question.HUKOU,
    AgencyFunction.REAL_ESTATE: Question.PROPERTY,
    AgencyFunction.MARKET_REGULATION: Question.BUSINESS,
    AgencyFunction.SOCIAL_INSURANCE: Question.INSURANCE,
    AgencyFunction.PROVIDENT_FUND: Question.PROVIDENT_FUND,
    AgencyFunction.VEHICLE_REGISTRY: Question.VEHICLE,
}

# --- What each question's value is --------------------------------------------------

INT, AMOUNT, TEXT = "int", "amount", "text"
VALUE_KINDS: dict[str, str] = {
    Question.SUBSISTENCE: TEXT,
    Question.HUKOU: INT,
    Question.PROPERTY: AMOUNT,
    Question.BUSINESS: TEXT,
    Question.INSURANCE: INT,
    Question.PROVIDENT_FUND: AMOUNT,
    Question.VEHICLE: INT,
}
VALUE_HINTS: dict[str, Any] = {
    Question.SUBSISTENCE: gettext_lazy("the kind of assistance, e.g. 低保"),
    Question.HUKOU: gettext_lazy("the years of local registration or residence, a whole number"),
    Question.PROPERTY: gettext_lazy("the registered floor area in m², a number"),
    Question.BUSINESS: gettext_lazy("the name of the registered business"),
    Question.INSURANCE: gettext_lazy("the months of local social insurance, a whole number"),
    Question.PROVIDENT_FUND: gettext_lazy("the monthly contribution base in yuan, a number"),
    Question.VEHICLE: gettext_lazy("the number of registered vehicles, a whole number"),
}

# The answer in words, by question and whether a record was found.
ANSWER_WORDS: dict[tuple[str, bool], Any] = {
    (Question.SUBSISTENCE, True): gettext_lazy("receives %(value)s"),
    (Question.SUBSISTENCE, False): gettext_lazy("no subsistence, hardship or low-income record"),
    (Question.HUKOU, True): gettext_lazy("locally registered for %(value)s years"),
    (Question.HUKOU, False): gettext_lazy("no local household registration or residence"),
    (Question.PROPERTY, True): gettext_lazy("owns %(value)s m² of registered housing"),
    (Question.PROPERTY, False): gettext_lazy("no registered housing"),
    (Question.BUSINESS, True): gettext_lazy("registered business: %(value)s"),
    (Question.BUSINESS, False): gettext_lazy("no registered business"),
    (Question.INSURANCE, True): gettext_lazy("%(value)s months of local social insurance"),
    (Question.INSURANCE, False): gettext_lazy("no local social-insurance contributions"),
    (Question.PROVIDENT_FUND, True): gettext_lazy(
        "provident-fund contribution base %(value)s yuan a month"
    ),
    (Question.PROVIDENT_FUND, False): gettext_lazy("no provident-fund account"),
    (Question.VEHICLE, True): gettext_lazy("%(value)s vehicles registered"),
    (Question.VEHICLE, False): gettext_lazy("no registered vehicle"),
}

# How an answer can contradict a declaration, in words.
MISMATCH_WORDS: dict[Any, Any] = {
    "property_undeclared": gettext_lazy(
        "owns %(found)s m² of registered housing, but the family declared “%(declared)s”"
    ),
    "property_area": gettext_lazy(
        "the family's members own %(found)s m² of registered housing, "
        "more than the %(declared)s m² declared"
    ),
    "income": gettext_lazy(
        "monthly income %(found)s yuan by the provident fund, "
        "more than the %(declared)s yuan declared"
    ),
    "business": gettext_lazy("a registered business (%(found)s), but the family declared none"),
    "vehicles": gettext_lazy(
        "the family's members have %(found)s vehicles registered, more than the %(declared)s "
        "declared"
    ),
    "hukou": gettext_lazy(
        "%(found)s years of local registration or residence, fewer than the %(declared)s declared"
    ),
    "insurance": gettext_lazy(
        "%(found)s months of local social insurance, fewer than the %(declared)s declared"
    ),
    "subsistence_missing": gettext_lazy(
        "no subsistence, hardship or low-income record, but the family applied as “%(declared)s”"
    ),
    "subsistence_unexpected": gettext_lazy(
        "receives %(found)s, but the family applied as “%(declared)s”: check the category"
    ),
}


class _Sentence:
    """A timeline sentence made of a frame and the words of one answer, each translated
    when the timeline is read, in the reader's language."""

    def __init__(self, frame, words):
        self.frame, self.words = frame, words

    def __str__(self):
        return str(self.frame).replace("%(words)s", str(self.words))


FRAMES = {
    ("answer", False): gettext_lazy(
        "Verification answer from %(agency)s about %(name)s: %(words)s"
    ),
    ("change", False): gettext_lazy(
        "Verification answer from %(agency)s about %(name)s changed: %(words)s"
    ),
    ("answer", True): gettext_lazy(
        "Verification answer from %(agency)s about %(name)s differs from the declaration: %(words)s"
    ),
    ("change", True): gettext_lazy(
        "Changed verification answer from %(agency)s about %(name)s differs from the "
        "declaration: %(words)s"
    ),
}
for (_question, _found), _words in ANSWER_WORDS.items():
    for _event in ("answer", "change"):
        timeline.register(
            f"verify.{_event}.{Question(_question).value}.{'y' if _found else 'n'}",
            _Sentence(FRAMES[(_event, False)], _words),
        )
for _kind, _words in MISMATCH_WORDS.items():
    for _event in ("answer", "change"):
        timeline.register(f"verify.{_event}.x.{_kind}", _Sentence(FRAMES[(_event, True)], _words))
timeline.register(
    "verify.sent", gettext_lazy("Verification request sent to %(agency)s (batch %(batch)s)")
)
timeline.register(
    "verify.exported",
    gettext_lazy("%(who)s downloaded verification batch %(batch)s with the family's ID numbers"),
)


def declared_words(question: str, declared: dict) -> str:
    """What the family declared on this question, in words."""
    parts = []
    if question == Question.SUBSISTENCE and "category" in declared:
        parts.append(_("applied as “%(c)s”") % {"c": Category(declared["category"]).label})
    if "hukou" in declared:
        parts.append(_("hukou: %(h)s") % {"h": declared["hukou"]})
    if "residence_years" in declared:
        parts.append(_("%(n)s years of local residence") % {"n": declared["residence_years"]})
    if "current_housing" in declared:
        parts.append(str(CurrentHousing(declared["current_housing"]).label))
    if declared.get("current_housing") == CurrentHousing.OWN and "housing_area_m2" in declared:
        parts.append(_("%(a)s m² owned") % {"a": declared["housing_area_m2"]})
    if "owns_business" in declared:
        parts.append(_("owns a business") if declared["owns_business"] else _("no business"))
    if "insurance_months" in declared:
        parts.append(_("%(n)s months of social insurance") % {"n": declared["insurance_months"]})
    if "monthly_income" in declared:
        parts.append(_("monthly income %(i)s yuan") % {"i": declared["monthly_income"]})
    if "vehicles" in declared:
        parts.append(_("%(n)s vehicles in the family") % {"n": declared["vehicles"]})
    return _("; ").join(str(p) for p in parts) or "—"


def answer_words(question: str, found, value: str) -> str:
    if found is None:
        return ""
    return str(ANSWER_WORDS[(question, bool(found))] % {"value": value})


# --- Mismatches -----------------------------------------------------------------------


def mismatches(question: str, requests: list[VerificationRequest]):
    """(request, (kind, params) or None) for each answered request of one family in one
    batch. Vehicles and housing area are the family's: they add up over its members."""
    answered = [r for r in requests if r.status == RequestStatus.ANSWERED]
    total = Decimal(0)
    if VALUE_KINDS[question] != TEXT:
        total = sum((Decimal(r.value) for r in answered if r.found and r.value), total)
    for r in answered:
        yield r, _mismatch(question, r, total)


def _mismatch(question: str, r: VerificationRequest, total: Decimal):
    """(kind, params) when the answer contradicts the declaration, else None."""
    declared = r.declared or {}
    number = Decimal(r.value) if r.found and VALUE_KINDS[question] != TEXT else Decimal(0)
    if question == Question.PROPERTY and number > 0:
        housing = declared.get("current_housing")
        if housing and housing != CurrentHousing.OWN:
            return "property_undeclared", {"found": r.value, "declared": housing}
        area = declared.get("housing_area_m2")
        if area is not None and total > Decimal(area):
            return "property_area", {"found": str(total), "declared": area}
    elif question == Question.VEHICLE and number > 0 and "vehicles" in declared:
        if total > declared["vehicles"]:
            return "vehicles", {"found": str(total), "declared": str(declared["vehicles"])}
    elif question == Question.BUSINESS and r.found and declared.get("owns_business") is False:
        return "business", {"found": r.value}
    elif question == Question.PROVIDENT_FUND and "monthly_income" in declared:
        if number > Decimal(declared["monthly_income"]):
            return "income", {"found": r.value, "declared": declared["monthly_income"]}
    elif question in (Question.HUKOU, Question.INSURANCE):
        key, kind = (
            ("residence_years", "hukou")
            if question == Question.HUKOU
            else ("insurance_months", "insurance")
        )
        if key in declared and number < declared[key]:
            return kind, {"found": str(int(number)), "declared": str(declared[key])}
    elif question == Question.SUBSISTENCE and "category" in declared:
        category = declared["category"]
        if category == Category.LOW_INCOME and not r.found:
            return "subsistence_missing", {"declared": category}
        if category != Category.LOW_INCOME and r.found:
            return "subsistence_unexpected", {"found": r.value, "declared": category}
    return None


def mismatch_words(kind: str, params: dict) -> str:
    """The difference in words. `params` hold plain values and choice codes, as the
    timeline keeps them; the codes are read as their labels."""
    return str(MISMATCH_WORDS[kind] % {k: label_for(v) for k, v in params.items()})
