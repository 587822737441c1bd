"""Forms of the work-order pages. They parse input only; the services in
anju.helpdesk.services decide, and name every problem."""

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.housing.models import Estate
from anju.supervision.forms.tips import MultipleFileInput, PhotosField

from ..models import (
    CheckMethod,
    CheckResult,
    RepairClass,
    SlaUnit,
    Urgency,
    WorkOrderChannel,
    WorkOrderStatus,
)
from ..selectors.workorders import class_by_pk, class_choices, companies_for
from ..services.workorder_quality import SAMPLE_MOST
from ..services.workorders import DESCRIPTION_MAX, NOTE_MAX, PHOTOS_MAX, PLACE_MAX

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}


def photos_field(label, *, camera: bool = False):
    """Several photos in one input; on a phone, `camera` opens the back camera."""
    attrs = {"accept": "image/jpeg,image/png", "multiple": True, "class": "form-control"}
    if camera:
        attrs.update({"accept": "image/*", "capture": "environment"})
    return PhotosField(
        label=label,
        widget=MultipleFileInput(attrs=attrs),
        help_text=gettext_lazy("Up to %(n)s photos (JPEG or PNG).") % {"n": PHOTOS_MAX},
    )


class MonthField(forms.CharField):
    """A month written YYYY-MM (the browser's month picker); cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "class": "form-control"})

    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if not value:
            return None
        match = MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError(_("Write the month as YYYY-MM."))
        return datetime.date(int(match.group(1)), int(match.group(2)), 1)


class ClassField(forms.ChoiceField):
    """The classification as one grouped select: a problem, or a category's "something
    else"; cleaned to the RepairClass."""

    def __init__(self, *args, places=None, **kwargs):
        kwargs.setdefault("label", gettext_lazy("What is wrong"))
        super().__init__(*args, **kwargs)
        self.places = places
        self.widget.attrs.update(SELECT)

    def valid_value(self, value):
        return class_by_pk(value) is not None

    def clean(self, value):
        value = super().clean(value)
        return class_by_pk(value) if value else None


# --- The staff list ---------------------------------------------------------------------


class WorkOrderFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Order, unit, household or text"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"), queryset=Estate.objects.none(), required=False
    )
    company = forms.ModelChoiceField(
        label=gettext_lazy("Property company"), queryset=None, required=False
    )
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    month = MonthField(label=gettext_lazy("Reported in"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue"), required=False)
    escalated = forms.BooleanField(label=gettext_lazy("Escalated"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("open", _("Open")),
            ("", _("All")),
            *WorkOrderStatus.choices,
        ]
        self.fields["channel"].choices = [("", _("All")), *WorkOrderChannel.choices]
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["estate"].empty_label = _("All")
        self.fields["company"].queryset = companies_for(user)
        self.fields["company"].empty_label = _("All")
        for name in ("status", "estate", "company", "channel"):
            self.fields[name].widget.attrs.update(SELECT)
        self.fields["q"].widget.attrs.update(TEXT)


# --- Reporting --------------------------------------------------------------------------


class StaffReportForm(forms.Form):
    """An order taken by phone or at the counter, or raised from an inspection or a
    handover (the channel is then fixed by the view)."""

    channel = forms.ChoiceField(
        label=gettext_lazy("Taken"),
        choices=[
            (WorkOrderChannel.PHONE, WorkOrderChannel.PHONE.label),
            (WorkOrderChannel.COUNTER, WorkOrderChannel.COUNTER.label),
        ],
        widget=forms.RadioSelect,
        initial=WorkOrderChannel.PHONE,
    )
    repair_class = ClassField()
    unit = forms.CharField(
        label=gettext_lazy("Unit code"),
        max_length=24,
        required=False,
        help_text=gettext_lazy("For a repair in a home, e.g. E01-03-1502."),
    )
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        help_text=gettext_lazy("For a repair in a shared area."),
    )
    building = forms.CharField(label=gettext_lazy("Building no."), max_length=8, required=False)
    place = forms.CharField(
        label=gettext_lazy("Where exactly"),
        max_length=PLACE_MAX,
        required=False,
        help_text=gettext_lazy("In a shared area: the entrance, floor or spot."),
    )
    description = forms.CharField(
        label=gettext_lazy("What the caller says"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    emergency = forms.BooleanField(label=gettext_lazy("Emergency"), required=False)
    contact_name = forms.CharField(label=gettext_lazy("Contact"), max_length=40, required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"), max_length=20, required=False
    )
    photos = photos_field(gettext_lazy("Photos"))

    def __init__(self, *args, user=None, fixed_channel=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repair_class"].choices = class_choices()
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["estate"].empty_label = "—"
        self.fields["estate"].widget.attrs.update(SELECT)
        if fixed_channel:
            del self.fields["channel"]
        for name in ("unit", "building", "place", "contact_name", "contact_phone", "description"):
            self.fields[name].widget.attrs.update(TEXT)


class PortalReportForm(forms.Form):
    """A tenant's report: what is wrong (place → category → problem as one grouped
    select), where if it is not in the home, a description, photos."""

    repair_class = ClassField()
    place = forms.CharField(
        label=gettext_lazy("Where, if not in your home"),
        max_length=PLACE_MAX,
        required=False,
        help_text=gettext_lazy("The building, entrance and floor, e.g. “3号楼 2单元 5层”."),
    )
    description = forms.CharField(
        label=gettext_lazy("Describe it"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What you see, since when, and when someone can come in."),
    )
    emergency = forms.BooleanField(
        label=gettext_lazy("It is an emergency (water pouring, no power, a smell of gas)"),
        required=False,
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Phone to call you back"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("Optional; otherwise the head of household's phone."),
    )
    photos = photos_field(gettext_lazy("Photos"), camera=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repair_class"].choices = class_choices()
        for name in ("place", "description", "contact_phone"):
            self.fields[name].widget.attrs.update(TEXT)


# --- Dispatching ------------------------------------------------------------------------


class AssignForm(forms.Form):
    repairer = forms.ModelChoiceField(label=gettext_lazy("Repairer"), queryset=None)

    def __init__(self, *args, repairers=(), **kwargs):
        from anju.core.models import User

        super().__init__(*args, **kwargs)
        self.fields["repairer"].queryset = User.objects.filter(pk__in=[u.pk for u in repairers])
        self.fields["repairer"].empty_label = _("Choose the repairer")
        self.fields["repairer"].widget.attrs.update(SELECT)


class DeferForm(forms.Form):
    until = forms.DateField(label=gettext_lazy("Until"), widget=DATE)
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs.update(TEXT)
        if not self.is_bound:
            self.initial.setdefault("until", timezone.localdate() + datetime.timedelta(days=3))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=NOTE_MAX, required=False)


class UrgencyForm(forms.Form):
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"),
        choices=[
            (Urgency.NORMAL, Urgency.NORMAL.label),
            (Urgency.PAID, Urgency.PAID.label),
            (Urgency.WARRANTY, Urgency.WARRANTY.label),
        ],
        widget=forms.Select(attrs=SELECT),
    )


class CheckForm(forms.Form):
    result = forms.ChoiceField(
        label=gettext_lazy("Result"), choices=CheckResult.choices, widget=forms.RadioSelect
    )
    method = forms.ChoiceField(
        label=gettext_lazy("How"), choices=CheckMethod.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs.update(TEXT)


class SampleForm(forms.Form):
    month = MonthField(label=gettext_lazy("Closed in"))
    per_company = forms.IntegerField(
        label=gettext_lazy("Orders per company"), min_value=1, max_value=SAMPLE_MOST, initial=3
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["per_company"].widget.attrs.update(TEXT)
        if not self.is_bound:
            last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
            self.initial.setdefault("month", f"{last:%Y-%m}")


# --- The repairer and the tenant --------------------------------------------------------


class DoneForm(forms.Form):
    """The materials come as rows (material-name, material-qty, material-unit lists)
    and are read by `materials_input`."""

    note = forms.CharField(
        label=gettext_lazy("What was done"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    photos = photos_field(gettext_lazy("Photos of the result"), camera=True)
    charge = forms.DecimalField(
        label=gettext_lazy("Charge to the tenant (yuan)"),
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={"step": "0.01", "class": "form-control", "inputmode": "decimal"}
        ),
    )

    def __init__(self, *args, paid=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not paid:
            del self.fields["charge"]


def materials_input(post) -> list[list[str]]:
    names = post.getlist("material-name")
    quantities = post.getlist("material-qty")
    units = post.getlist("material-unit")
    size = max(len(names), len(quantities), len(units))

    def at(values, i):
        return values[i] if i < len(values) else ""

    return [[at(names, i), at(quantities, i), at(units, i)] for i in range(size)]


class ConfirmForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("How was the repair?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=gettext_lazy("Comment"), max_length=500, required=False)


# --- The deadline table -----------------------------------------------------------------


class SlaRuleForm(forms.Form):
    repair_class = forms.ModelChoiceField(
        label=gettext_lazy("Classification"),
        queryset=RepairClass.objects.select_related("parent__parent").order_by("sort", "code"),
        required=False,
        empty_label=gettext_lazy("Any"),
    )
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.order_by("code"),
        required=False,
        empty_label=gettext_lazy("Any"),
    )
    urgency = forms.ChoiceField(label=gettext_lazy("Urgency"), required=False)
    respond_in = forms.IntegerField(
        label=gettext_lazy("Respond within"), min_value=1, max_value=999
    )
    respond_unit = forms.ChoiceField(label=gettext_lazy("in"), choices=SlaUnit.choices)
    complete_in = forms.IntegerField(
        label=gettext_lazy("Complete within"), min_value=1, max_value=999
    )
    complete_unit = forms.ChoiceField(label=gettext_lazy("in"), choices=SlaUnit.choices)
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=200,
        help_text=gettext_lazy("The document the deadlines come from, e.g. a contract clause."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["urgency"].choices = [("", _("Any")), *Urgency.choices]
        self.fields["repair_class"].label_from_instance = lambda c: " › ".join(
            n.name for n in c.path()
        )
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ReportFilterForm(forms.Form):
    first = MonthField(label=gettext_lazy("From"), required=False)
    last = MonthField(label=gettext_lazy("To"), required=False)
    company = forms.ModelChoiceField(
        label=gettext_lazy("Property company"), queryset=None, required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies_for(user)
        self.fields["company"].empty_label = _("All")
        self.fields["company"].widget.attrs.update(SELECT)
