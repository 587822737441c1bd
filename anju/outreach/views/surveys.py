"""Staff pages of satisfaction surveys: the list, a new survey and the standard yearly
one, the survey's page, which is the builder while it is a draft (add, remove and
reorder questions), and the buttons that send it and close it. Reading is
Perm.OUTREACH_VIEW; the rest is Perm.SURVEY_MANAGE (the authority). The results have
their own page (views/survey_results.py)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm

from ..forms.surveys import QuestionForm, SurveyFilterForm, SurveyForm, YearlySurveyForm
from ..models import QuestionKind, SurveyStatus
from ..selectors import surveys as selectors
from ..services import surveys as services
from ..services.survey_yearly import survey_yearly_create


@staff_view(Perm.OUTREACH_VIEW)
def survey_list(request):
    form = SurveyFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    surveys = selectors.survey_list(
        request.user, status=filters.get("status") or "", year=filters.get("year")
    )
    return list_page(request, "outreach/surveys/list.html", surveys, {"filter": form})


@staff_view(Perm.SURVEY_MANAGE, methods=("GET", "POST"))
def survey_new(request):
    form = SurveyForm(request.POST or None, user=request.user, initial=SurveyForm.initial_for())
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(form.to_input(), actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Survey drafted. Add its questions, then send it."))
            return redirect("survey_detail", pk=survey.pk)
    return render(request, "outreach/surveys/form.html", {"form": form, "survey": None})


@staff_view(Perm.SURVEY_MANAGE, methods=("GET", "POST"))
def survey_yearly_new(request):
    form = YearlySurveyForm(
        request.POST or None,
        user=request.user,
        initial=YearlySurveyForm.initial(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = survey_yearly_create(
                data["year"],
                actor=request.user,
                estates=list(data["estates"]),
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The yearly survey of %(y)s is drafted with its standard questions.")
                % {"y": survey.year},
            )
            return redirect("survey_detail", pk=survey.pk)
    return render(request, "outreach/surveys/yearly.html", {"form": form})


def _detail(request, survey, question_form=None, status=200):
    may_manage = request.user.can(Perm.SURVEY_MANAGE)
    draft = survey.status == SurveyStatus.DRAFT
    estates = selectors.estates_seen(request.user, survey)
    return render(
        request,
        "outreach/surveys/detail.html",
        {
            "survey": survey,
            "questions": selectors.questions_of(survey),
            "estates": estates,
            "counts": selectors.invitation_counts(survey, estates),
            "may_build": may_manage and draft,
            "may_send": may_manage and survey.status in (SurveyStatus.DRAFT, SurveyStatus.OPEN),
            "may_close": may_manage and survey.status == SurveyStatus.OPEN,
            "question_form": question_form or QuestionForm(),
            "choice_kinds": [QuestionKind.SINGLE.value, QuestionKind.MULTIPLE.value],
        },
        status=status,
    )


@staff_view(Perm.OUTREACH_VIEW, find=selectors.survey_for_user)
def survey_detail(request, survey, pk):
    return _detail(request, survey)


@staff_view(Perm.SURVEY_MANAGE, find=selectors.survey_for_user, methods=("GET", "POST"))
def survey_edit(request, survey, pk):
    form = SurveyForm(
        request.POST or None, user=request.user, initial=SurveyForm.initial_for(survey)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_edit(survey, form.to_input(), actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The survey is changed."))
            return redirect("survey_detail", pk=survey.pk)
    return render(request, "outreach/surveys/form.html", {"form": form, "survey": survey})


@staff_view(Perm.SURVEY_MANAGE, find=selectors.survey_for_user, methods=("POST",))
def survey_question_add(request, survey, pk):
    form = QuestionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.question_add(
                survey,
                actor=request.user,
                kind=data["kind"],
                text=data["text"],
                options=form.option_lines(),
                dimension=data["dimension"],
                required=data["required"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Question added."))
            return redirect(f"{survey_url(survey)}#questions")
    return _detail(request, survey, question_form=form)


def survey_url(survey) -> str:
    return reverse("survey_detail", args=[survey.pk])


@staff_view(Perm.SURVEY_MANAGE, find=selectors.question_for_user, methods=("POST",))
def survey_question_remove(request, question, pk, question_pk):
    try:
        services.question_remove(question, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Question removed."))
    return redirect(f"{survey_url(question.survey)}#questions")


@staff_view(Perm.SURVEY_MANAGE, find=selectors.question_for_user, methods=("POST",))
def survey_question_move(request, question, pk, question_pk):
    try:
        services.question_move(
            question, actor=request.user, by=-1 if request.POST.get("direction") == "up" else 1
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{survey_url(question.survey)}#question-{question.pk}")


@staff_view(Perm.SURVEY_MANAGE, find=selectors.survey_for_user, methods=("POST",))
def survey_send(request, survey, pk):
    try:
        invited = services.survey_send(survey, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if invited:
            messages.success(
                request,
                _("The survey is open: %(n)s households are invited by a portal message.")
                % {"n": invited},
            )
        else:
            messages.info(request, _("Every household of the survey's estates is invited already."))
    return redirect("survey_detail", pk=survey.pk)


@staff_view(Perm.SURVEY_MANAGE, find=selectors.survey_for_user, methods=("POST",))
def survey_close(request, survey, pk):
    try:
        services.survey_close(survey, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The survey is closed; no more answers are taken."))
    return redirect("survey_detail", pk=survey.pk)


urlpatterns = [
    path("outreach/surveys/", survey_list, name="survey_list"),
    path("outreach/surveys/new/", survey_new, name="survey_new"),
    path("outreach/surveys/yearly/new/", survey_yearly_new, name="survey_yearly_new"),
    path("outreach/surveys/<int:pk>/", survey_detail, name="survey_detail"),
    path("outreach/surveys/<int:pk>/edit/", survey_edit, name="survey_edit"),
    path("outreach/surveys/<int:pk>/questions/", survey_question_add, name="survey_question_add"),
    path(
        "outreach/surveys/<int:pk>/questions/<int:question_pk>/remove/",
        survey_question_remove,
        name="survey_question_remove",
    ),
    path(
        "outreach/surveys/<int:pk>/questions/<int:question_pk>/move/",
        survey_question_move,
        name="survey_question_move",
    ),
    path("outreach/surveys/<int:pk>/send/", survey_send, name="survey_send"),
    path("outreach/surveys/<int:pk>/close/", survey_close, name="survey_close"),
]
