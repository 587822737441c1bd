"""Reads of satisfaction surveys: the staff list, one survey for a user (404 outside
their estates), the portal's invitations (starting from the tenant's household), and
the results, computed in the database over the responses: the response rate per
estate, each question's distribution, the average rating per dimension per estate
(what the evaluation reads: `dimension_scores`) and the written answers.

Results never name a household: a response keeps only its estate. A user sees the
results of the survey's estates they see (a community its own estates, the authority
all of them)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from anju.core.access import get_or_404
from anju.housing.models import Estate

from ..models import (
    Answer,
    Dimension,
    Invitation,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
)

CENT = Decimal("0.01")
RATING_VALUES = [1, 2, 3, 4, 5]
TEXTS_SHOWN = 200


def _count(queryset) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.order_by().values("survey_id").annotate(n=Count("id")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def surveys_for(user) -> QuerySet[Survey]:
    return Survey.objects.visible_to(user)


def survey_list(user, *, status: str = "", year: int | None = None) -> QuerySet[Survey]:
    """The surveys of the user's estates, newest first, each with its count of
    questions and, over the user's estates, of invitations and responses."""
    seen = Estate.objects.visible_to(user)
    surveys = surveys_for(user).prefetch_related(
        Prefetch("estates", queryset=seen.order_by("code"), to_attr="estates_seen")
    )
    if status:
        surveys = surveys.filter(status=status)
    if year:
        surveys = surveys.filter(year=year)
    return surveys.annotate(
        question_count=_count(Question.objects.filter(survey=OuterRef("pk"))),
        invited=_count(
            Invitation.objects.filter(
                survey=OuterRef("pk"), household__estate__in=seen.values("pk")
            )
        ),
        responded=_count(
            Response.objects.filter(survey=OuterRef("pk"), estate__in=seen.values("pk"))
        ),
    ).order_by("-opens_on", "-id")


def survey_for_user(user, pk) -> Survey:
    """One survey of the user's estates, or 404 (the same answer as a missing one)."""
    return get_or_404(surveys_for(user).select_related("created_by"), pk=pk)


def question_for_user(user, pk, question_pk) -> Question:
    survey = survey_for_user(user, pk)
    return get_or_404(
        Question.objects.filter(survey=survey).select_related("survey"), pk=question_pk
    )


def questions_of(survey: Survey) -> list[Question]:
    return list(survey.questions.order_by("sort", "id"))


def estates_seen(user, survey: Survey) -> list[Estate]:
    """The survey's estates the user sees, by code."""
    return list(survey.estates.filter(pk__in=Estate.objects.visible_to(user)).order_by("code"))


def invitation_counts(survey: Survey, estates: list[Estate]) -> dict[str, int]:
    """Households asked and households that answered, in `estates`."""
    row = Invitation.objects.filter(
        survey=survey, household__estate__in=[e.pk for e in estates]
    ).aggregate(invited=Count("id"), responded=Count("responded_at"))
    return {"invited": row["invited"], "responded": row["responded"]}


# --- The portal ---------------------------------------------------------------------------


def invitations_of(household) -> list[Invitation]:
    """The household's invitations to surveys that have been sent, open ones first."""
    return list(
        Invitation.objects.filter(household=household)
        .exclude(survey__status=SurveyStatus.DRAFT)
        .select_related("survey")
        .order_by("-survey__opens_on", "-id")
    )


def own_invitation(household, pk) -> Invitation:
    """The household's invitation to survey `pk`, or 404 (a survey it was not asked)."""
    return get_or_404(
        Invitation.objects.filter(household=household)
        .exclude(survey__status=SurveyStatus.DRAFT)
        .select_related("survey", "household"),
        survey_id=pk,
    )


# --- Results ------------------------------------------------------------------------------


def _average(total, count) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(CENT, ROUND_HALF_UP)


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _ids(survey: Survey, estates) -> list[int]:
    if estates is None:
        return list(survey.estates.values_list("pk", flat=True))
    return [e.pk if isinstance(e, Estate) else int(e) for e in estates]


@dataclass(frozen=True)
class Rate:
    estate: Estate | None  # None: all the estates shown
    invited: int
    responded: int

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.responded, self.invited)


def response_rates(survey: Survey, estates: list[Estate]) -> list[Rate]:
    """Households asked and responses per estate, then the total (estate None). A
    household is counted in the estate it lives in now; a response in the estate it
    was given from."""
    ids = [e.pk for e in estates]
    invited = dict(
        Invitation.objects.filter(survey=survey, household__estate_id__in=ids)
        .values("household__estate_id")
        .annotate(n=Count("id"))
        .values_list("household__estate_id", "n")
    )
    responded = dict(
        Response.objects.filter(survey=survey, estate_id__in=ids)
        .values("estate_id")
        .annotate(n=Count("id"))
        .values_list("estate_id", "n")
    )
    rows = [Rate(e, invited.get(e.pk, 0), responded.get(e.pk, 0)) for e in estates]
    rows.append(Rate(None, sum(r.invited for r in rows), sum(r.responded for r in rows)))
    return rows


def dimension_scores(survey: Survey, estates=None) -> dict[int, dict[str, Decimal]]:
    """{estate id: {dimension: average rating}}, to two places, over the rating
    questions that measure a dimension; `estates` (estates or ids) limits the estates,
    all the survey's by default. An estate without a rating of a dimension has no key
    for it. This is what the evaluation reads."""
    rows = (
        Answer.objects.filter(
            response__survey=survey,
            response__estate_id__in=_ids(survey, estates),
            question__kind=QuestionKind.RATING,
            value__isnull=False,
        )
        .exclude(question__dimension="")
        .values("response__estate_id", "question__dimension")
        .annotate(total=Sum("value"), n=Count("id"))
    )
    scores: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        average = _average(row["total"], row["n"])
        if average is not None:
            scores[row["response__estate_id"]][row["question__dimension"]] = average
    return dict(scores)


def dimension_overall(survey: Survey, estates=None) -> dict[str, Decimal]:
    """{dimension: average rating} over all the answers of the estates (each answer
    weighs the same, so a larger estate counts for more)."""
    rows = (
        Answer.objects.filter(
            response__survey=survey,
            response__estate_id__in=_ids(survey, estates),
            question__kind=QuestionKind.RATING,
            value__isnull=False,
        )
        .exclude(question__dimension="")
        .values("question__dimension")
        .annotate(total=Sum("value"), n=Count("id"))
    )
    return {
        row["question__dimension"]: avg
        for row in rows
        if (avg := _average(row["total"], row["n"])) is not None
    }


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    bars: list[tuple[str, int]] = field(default_factory=list)  # (label, count)
    average: Decimal | None = None
    texts: list[str] = field(default_factory=list)
    text_count: int = 0

    @property
    def max_count(self) -> int:
        return max((n for _label, n in self.bars), default=0)


def question_results(survey: Survey, estates: list[Estate]) -> list[QuestionResult]:
    """Every question with its answers counted: per choice (a several-choice answer
    counts once for each choice it ticks), per rating with the average, or the
    written answers (the first `TEXTS_SHOWN`; the export has them all)."""
    ids = [e.pk for e in estates]
    answers = Answer.objects.filter(response__survey=survey, response__estate_id__in=ids)
    questions = questions_of(survey)
    kinds = {q.pk: q.kind for q in questions}
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    answered: dict[int, int] = defaultdict(int)
    for qid, value, n in (
        answers.filter(value__isnull=False)
        .values("question_id", "value")
        .annotate(n=Count("id"))
        .values_list("question_id", "value", "n")
    ):
        if value is not None:
            counts[qid][value] = n
            answered[qid] += n
    multiple = [q.pk for q in questions if q.kind == QuestionKind.MULTIPLE]
    if multiple:
        # A list of choices per answer: counted here, over the one column.
        for qid, choices in answers.filter(question_id__in=multiple).values_list(
            "question_id", "choices"
        ):
            answered[qid] += 1
            for index in choices or []:
                counts[qid][index] = counts[qid].get(index, 0) + 1
    text_ids = [q.pk for q in questions if q.kind == QuestionKind.TEXT]
    texts: dict[int, list[str]] = defaultdict(list)
    text_counts: dict[int, int] = {}
    if text_ids:
        text_counts = dict(
            answers.filter(question_id__in=text_ids)
            .exclude(text="")
            .values("question_id")
            .annotate(n=Count("id"))
            .values_list("question_id", "n")
        )
        for qid in text_ids:
            texts[qid] = list(
                answers.filter(question_id=qid)
                .exclude(text="")
                .order_by("id")
                .values_list("text", flat=True)[:TEXTS_SHOWN]
            )
    results = []
    for q in questions:
        result = QuestionResult(q, answered=answered.get(q.pk, 0))
        if kinds[q.pk] == QuestionKind.RATING:
            result.bars = [(str(v), counts[q.pk].get(v, 0)) for v in RATING_VALUES]
            total = sum(v * n for v, n in counts[q.pk].items())
            result.average = _average(total, result.answered)
        elif kinds[q.pk] in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            result.bars = [(label, counts[q.pk].get(i, 0)) for i, label in enumerate(q.options)]
        else:
            result.texts = texts[q.pk]
            result.text_count = text_counts.get(q.pk, 0)
            result.answered = result.text_count
        results.append(result)
    return results


def all_texts(survey: Survey, estates: list[Estate]) -> list[tuple[str, str]]:
    """Every written answer as (question, text), for the export."""
    return list(
        Answer.objects.filter(
            response__survey=survey,
            response__estate_id__in=[e.pk for e in estates],
            question__kind=QuestionKind.TEXT,
        )
        .exclude(text="")
        .order_by("question__sort", "question_id", "id")
        .values_list("question__text", "text")
    )


@dataclass(frozen=True)
class DimensionRow:
    dimension: str
    label: str
    scores: list[Decimal | None]  # one per estate, in the order of the estates
    overall: Decimal | None


def dimension_table(survey: Survey, estates: list[Estate]) -> list[DimensionRow]:
    """The dimensions the survey measures, each with its average per estate and over
    all of them."""
    measured = set(
        survey.questions.filter(kind=QuestionKind.RATING)
        .exclude(dimension="")
        .values_list("dimension", flat=True)
    )
    scores = dimension_scores(survey, estates)
    overall = dimension_overall(survey, estates)
    return [
        DimensionRow(
            dimension=d.value,
            label=str(d.label),
            scores=[scores.get(e.pk, {}).get(d.value) for e in estates],
            overall=overall.get(d.value),
        )
        for d in Dimension
        if d.value in measured
    ]
