"""Forms of the activity pages. They parse input only; the rules are in
anju.outreach.services.activities."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.scoping import sees_whole_district
from anju.housing.models import Estate

from ..services.activities import ActivityInput

MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _moment(label):
    return forms.DateTimeField(label=label, widget=MOMENT, input_formats=["%Y-%m-%dT%H:%M"])


class ActivityForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    estate = forms.ModelChoiceField(
        label=gettext_lazy("For the households of"),
        queryset=Estate.objects.none(),
        required=False,
    )
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200)
    starts_at = _moment(gettext_lazy("Starts"))
    ends_at = _moment(gettext_lazy("Ends"))
    signup_until = _moment(gettext_lazy("Sign up until"))
    capacity = forms.IntegerField(label=gettext_lazy("Places (people)"), min_value=1)
    volunteering = forms.BooleanField(
        label=gettext_lazy("Volunteering: the hours of those who come count as good conduct"),
        required=False,
    )
    hours = forms.DecimalField(
        label=gettext_lazy("Hours credited to each household that comes"),
        required=False,
        min_value=0,
        max_digits=4,
        decimal_places=1,
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["estate"]
        field.queryset = Estate.objects.visible_to(user).order_by("code")
        if sees_whole_district(user):
            field.empty_label = _("The whole district")
        else:
            field.required = True
            field.empty_label = "—"

    @classmethod
    def initial_for(cls, activity) -> dict:
        local = timezone.localtime
        return {
            "title": activity.title,
            "estate": activity.estate_id,
            "place": activity.place,
            "starts_at": local(activity.starts_at),
            "ends_at": local(activity.ends_at),
            "signup_until": local(activity.signup_until),
            "capacity": activity.capacity,
            "volunteering": activity.volunteering,
            "hours": activity.hours,
            "description": activity.description,
        }

    def to_input(self) -> ActivityInput:
        data = self.cleaned_data
        return ActivityInput(
            title=data["title"],
            place=data["place"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            signup_until=data["signup_until"],
            capacity=data["capacity"],
            estate=data["estate"],
            description=data["description"],
            volunteering=data["volunteering"],
            hours=data["hours"],
        )


class ActivityFilterForm(forms.Form):
    when = forms.ChoiceField(
        label=gettext_lazy("When"),
        required=False,
        choices=[
            ("upcoming", gettext_lazy("Upcoming")),
            ("past", gettext_lazy("Past")),
        ],
    )
    estate = forms.ChoiceField(label=gettext_lazy("Estate"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].choices = [
            ("", _("All")),
            ("district", _("The whole district")),
            *(
                (str(e.pk), f"{e.code} {e.name}")
                for e in Estate.objects.visible_to(user).order_by("code")
            ),
        ]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it is cancelled (the households signed up are told)"),
        max_length=300,
    )


class CounterSignupForm(forms.Form):
    household = forms.CharField(
        label=gettext_lazy("Household no."),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    people = forms.IntegerField(label=gettext_lazy("People"), min_value=1, initial=1)


class SignupForm(forms.Form):
    people = forms.IntegerField(label=gettext_lazy("How many of you come"), min_value=1, initial=1)


def attendance_from_post(post, signup_ids) -> dict[int, bool | None]:
    """`came-<sign-up id>` is "yes", "no" or blank (not known) for each sign-up on the
    form; a sign-up the form leaves out (one already credited) keeps what it had."""
    values = {"yes": True, "no": False}
    return {pk: values.get(post.get(f"came-{pk}")) for pk in signup_ids if f"came-{pk}" in post}
