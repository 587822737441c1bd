"""Forms of the survey pages. They parse input only; the rules are in
anju.outreach.services.surveys and .survey_answers."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.housing.models import Estate

from ..models import Dimension, QuestionKind, SurveyKind, SurveyStatus
from ..services.surveys import SurveyInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _EstatesForm(forms.Form):
    estates = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Estates whose households are asked"),
        queryset=Estate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    opens_on = forms.DateField(label=gettext_lazy("Opens"), widget=DATE)
    closes_on = forms.DateField(label=gettext_lazy("Closes"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estates"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["estates"].label_from_instance = lambda e: f"{e.code} {e.name}"


class SurveyForm(_EstatesForm):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    intro = forms.CharField(
        label=gettext_lazy("Introduction (shown above the questions)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)

    field_order = ["title", "intro", "year", "estates", "opens_on", "closes_on"]

    @classmethod
    def initial_for(cls, survey=None) -> dict:
        if survey is None:
            today = timezone.localdate()
            return {
                "year": today.year,
                "opens_on": today,
                "closes_on": today + datetime.timedelta(days=14),
            }
        return {
            "title": survey.title,
            "intro": survey.intro,
            "year": survey.year,
            "estates": list(survey.estates.values_list("pk", flat=True)),
            "opens_on": survey.opens_on,
            "closes_on": survey.closes_on,
        }

    def to_input(self) -> SurveyInput:
        data = self.cleaned_data
        return SurveyInput(
            title=data["title"],
            intro=data["intro"],
            year=data["year"],
            estates=list(data["estates"]),
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
        )


class YearlySurveyForm(_EstatesForm):
    year = forms.IntegerField(
        label=gettext_lazy("The year it is about"), min_value=2000, max_value=2100
    )

    field_order = ["year", "estates", "opens_on", "closes_on"]

    @classmethod
    def initial(cls, user) -> dict:
        """This year, opening today, and ticked: the user's estates not yet in a yearly
        survey of this year."""
        from ..services.survey_yearly import DEFAULT_OPEN_DAYS

        today = timezone.localdate()
        free = Estate.objects.visible_to(user).exclude(
            surveys__kind=SurveyKind.YEARLY, surveys__year=today.year
        )
        return {
            "year": today.year,
            "estates": list(free.values_list("pk", flat=True)),
            "opens_on": today,
            "closes_on": today + datetime.timedelta(days=DEFAULT_OPEN_DAYS),
        }


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=QuestionKind.choices)
    text = forms.CharField(label=gettext_lazy("Question"), max_length=300)
    options = forms.CharField(
        label=gettext_lazy("Choices, one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For a one-choice or several-choice question."),
    )
    dimension = forms.ChoiceField(
        label=gettext_lazy("Measures (rating questions, for the evaluation)"),
        required=False,
    )
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = [("", _("Nothing in particular")), *Dimension.choices]

    def option_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class SurveyFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    year = forms.IntegerField(
        label=gettext_lazy("Year"), required=False, min_value=2000, max_value=2100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *SurveyStatus.choices]


def answers_from_post(questions, post) -> dict[int, object]:
    """The raw answers of the portal form: `q-<id>` holds a rating, the index of a
    choice or the text; a several-choice question posts one `q-<id>` per choice."""
    answers: dict[int, object] = {}
    for q in questions:
        name = f"q-{q.pk}"
        if q.kind == QuestionKind.MULTIPLE:
            answers[q.pk] = post.getlist(name)
        else:
            answers[q.pk] = post.get(name, "")
    return answers
