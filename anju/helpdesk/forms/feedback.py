"""Forms of the feedback pages: giving feedback (public page, portal, staff entry), the
staff list's filters, the responsible organisation's actions, rating, and the reports'
choices."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.models import Organisation, OrgKind
from anju.core.scoping import sees_whole_district
from anju.households.models import Household
from anju.housing.models import Estate, Unit

from ..models import FeedbackKind, FeedbackStatus, FeedbackTopic
from ..services.feedback import ANSWER_MAX, COMMENT_MAX, REASON_MAX, TEXT_MAX
from ..services.feedback_flow import LINK_KINDS

MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]


class InlineRadio(forms.RadioSelect):
    """Radio buttons side by side (the project's radio template reads `inline`)."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["inline"] = True
        return context


def _choices(choices, empty=None):
    return [("", empty or "—"), *choices]


class FeedbackForm(forms.Form):
    """The public page's form; the portal and staff forms add or drop a little."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=(), widget=InlineRadio, initial="complaint"
    )
    topic = forms.ChoiceField(label=gettext_lazy("What is it about?"), choices=())
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("Not about one estate / not sure"),
    )
    text = forms.CharField(
        label=gettext_lazy("Your feedback"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("What happened, where and since when; what you would like done."),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Give it anonymously (leave no name or phone)"), required=False
    )
    contact_name = forms.CharField(label=gettext_lazy("Your name"), max_length=40, required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("Your phone"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("Optional. Only the staff handling it see it, to call you back."),
    )

    def __init__(self, *args, estates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = FeedbackKind.choices
        self.fields["topic"].choices = _choices(FeedbackTopic.choices)
        self.fields["estate"].queryset = (
            estates if estates is not None else Estate.objects.order_by("code")
        )

    def clean(self):
        data = super().clean()
        if "anonymous" in self.fields and data.get("anonymous"):
            given = [
                (data.get(name) or "").strip()
                for name in ("contact_name", "contact_phone")
                if name in self.fields
            ]
            if any(given):
                self.add_error(
                    "anonymous",
                    _("Anonymous feedback leaves no name or phone: clear them, or untick this."),
                )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "topic": data["topic"],
            "estate": data.get("estate"),
            "text": data["text"],
            "anonymous": data.get("anonymous", False),
            "contact_name": data.get("contact_name", ""),
            "contact_phone": data.get("contact_phone", ""),
        }


class PortalFeedbackForm(FeedbackForm):
    """A tenant's feedback: about the household's own estate, which the service fills
    in. Anonymous here means the staff handling it do not see who gave it; the tenant
    still follows it and rates the answer on the portal."""

    anonymous = forms.BooleanField(
        label=gettext_lazy("Do not show my name to the staff handling it"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["estate"]
        del self.fields["contact_name"]
        self.fields["contact_phone"].help_text = gettext_lazy(
            "Optional: a number to call you back on. Leave it empty if you stay anonymous."
        )

    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        del kwargs["estate"], kwargs["contact_name"]
        return kwargs


class StaffFeedbackForm(FeedbackForm):
    """Feedback taken by phone or at the counter, about an estate the staff member sees.
    A caller who is a tenant is found by the unit; the household then follows it on the
    portal."""

    unit_code = forms.CharField(
        label=gettext_lazy("Unit code"),
        max_length=24,
        required=False,
        help_text=gettext_lazy("If the caller is a tenant, their unit, e.g. E01-03-1502."),
    )
    field_order = ["kind", "topic", "estate", "unit_code", "text"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, estates=Estate.objects.visible_to(user).order_by("code"), **kwargs)
        self.user = user
        if not sees_whole_district(user):
            self.fields["estate"].required = True
            self.fields["estate"].empty_label = None
        else:
            self.fields["estate"].empty_label = _("Not about one estate")
        self.fields["text"].label = _("What the caller says")
        self.fields["contact_name"].label = _("Caller's name")
        self.fields["contact_phone"].label = _("Caller's phone")
        self.fields["contact_phone"].help_text = _(
            "Optional. Only the staff handling it see it, to call the caller back."
        )
        self.fields["anonymous"].label = _("The caller wants to stay anonymous")

    def clean_unit_code(self):
        code = (self.cleaned_data.get("unit_code") or "").strip().upper()
        if not code:
            return None
        unit = Unit.objects.visible_to(self.user).filter(code__iexact=code).first()
        if unit is None:
            raise forms.ValidationError(_("No unit has the code %(code)s.") % {"code": code})
        household = Household.objects.filter(unit=unit).select_related("estate").first()
        if household is None:
            raise forms.ValidationError(_("Nobody lives in unit %(code)s.") % {"code": code})
        return household

    def clean(self):
        data = super().clean()
        household = data.get("unit_code")
        if household is not None and data.get("estate") not in (None, household.estate):
            self.add_error("unit_code", _("The unit is not in the estate chosen."))
        return data

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "household": self.cleaned_data.get("unit_code")}


class FeedbackFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=())
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), required=False, choices=())
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, choices=())
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("With"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    month = forms.DateField(
        label=gettext_lazy("Month"), required=False, widget=MONTH, input_formats=MONTH_FORMATS
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue"), required=False)
    escalated = forms.BooleanField(label=gettext_lazy("Escalated"), required=False)
    mine = forms.BooleanField(label=gettext_lazy("For my organisation"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        everything = _("All")
        self.fields["status"].choices = [
            ("", everything),
            ("open", _("Open (not answered)")),
            *FeedbackStatus.choices,
        ]
        self.fields["topic"].choices = _choices(FeedbackTopic.choices, everything)
        self.fields["kind"].choices = _choices(FeedbackKind.choices, everything)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True).exclude(
            kind=OrgKind.AGENCY
        )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {name: data[name] for name in self.fields if data.get(name) not in (None, "")}


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note for the file"), max_length=REASON_MAX, required=False
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer"),
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("The submitter reads it as written and rates it."),
    )


class PassOnForm(forms.Form):
    to = forms.ModelChoiceField(
        label=gettext_lazy("Pass on to"), queryset=Organisation.objects.none(), empty_label="—"
    )
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=REASON_MAX)
    estate = forms.ModelChoiceField(
        label=gettext_lazy("The estate it is about"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("Not about one estate"),
    )

    def __init__(self, *args, feedback, user, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = Organisation.objects.filter(pk__in=[o.pk for o in choices])
        if feedback.estate_id:
            del self.fields["estate"]
        else:
            self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
            self.fields["to"].queryset = Organisation.objects.filter(is_active=True).exclude(
                kind=OrgKind.AGENCY
            )
            self.fields["to"].help_text = _(
                "Feedback that names no estate goes to one of the estate's organisations "
                "once the estate is chosen."
            )


class LinkForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Link to"), choices=())
    number = forms.CharField(label=gettext_lazy("Number"), max_length=24)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "work_order": _("Work order"),
            "violation": _("Violation case"),
            "tip": _("Tip"),
        }
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in LINK_KINDS]


RATINGS = [(n, str(n)) for n in range(5, 0, -1)]


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("How good was the answer? (5 is best)"),
        choices=RATINGS,
        coerce=int,
        widget=InlineRadio,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    action = forms.ChoiceField(choices=[("close", "close"), ("reopen", "reopen")], initial="close")


class TrendsForm(forms.Form):
    month = forms.DateField(
        label=gettext_lazy("Month"), required=False, widget=MONTH, input_formats=MONTH_FORMATS
    )
    min_count = forms.IntegerField(
        label=gettext_lazy("At least (feedback in the month)"),
        min_value=1,
        max_value=1000,
        required=False,
    )
    factor = forms.DecimalField(
        label=gettext_lazy("Times the average before"),
        min_value=Decimal("1.0"),
        max_value=Decimal("20"),
        decimal_places=1,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        self.defaults = {"month": last.replace(day=1), "min_count": 3, "factor": Decimal("1.5")}
        self.initial = {**self.defaults, **self.initial}

    def values(self) -> dict:
        """The month (the last full one unless chosen) and the thresholds."""
        data = self.cleaned_data if self.is_valid() else {}
        values = {name: data.get(name) or default for name, default in self.defaults.items()}
        values["month"] = values["month"].replace(day=1)
        return values


class ReportForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=MONTH, input_formats=MONTH_FORMATS
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=MONTH, input_formats=MONTH_FORMATS
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The first month comes after the last."))
        return data

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        end = timezone.localdate().replace(day=1)
        self.initial = {"start": _months_before(end, 11), "end": end, **self.initial}

    def values(self) -> dict:
        """The span of months: the twelve up to this one unless chosen."""
        data = self.cleaned_data if self.is_valid() else {}
        end = (data.get("end") or timezone.localdate()).replace(day=1)
        start = data.get("start") or _months_before(end, 11)
        return {"start": start.replace(day=1), "end": end}


def _months_before(month: datetime.date, months: int) -> datetime.date:
    year, month0 = divmod(month.year * 12 + month.month - 1 - months, 12)
    return datetime.date(year, month0 + 1, 1)
