"""Forms of the tip pages: giving a tip (public page, portal, staff), the staff queue's
filters, and triage."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.housing.models import Estate, Unit

from ..models import TipCategory, TipSource, TipStatus
from ..selectors.inspections import inspector_choices
from ..services.tips import PHOTOS_MAX, PLACE_MAX, TEXT_MAX


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; the service checks what each file is."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/jpeg,image/png", "multiple": True, "class": "form-control"}
            ),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _unit_in(units, code: str):
    code = (code or "").strip().upper()
    if not code:
        return None
    unit = units.filter(code__iexact=code).select_related("estate").first()
    if unit is None:
        raise forms.ValidationError(_("No unit has the code %(code)s.") % {"code": code})
    return unit


class TipForm(forms.Form):
    """The public page's form; the portal and staff forms add or drop a little."""

    category = forms.ChoiceField(label=gettext_lazy("What is it about?"), choices=())
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("Not sure"),
    )
    place = forms.CharField(
        label=gettext_lazy("Where"),
        max_length=PLACE_MAX,
        help_text=gettext_lazy("The building, entrance and door, e.g. “3号楼 2单元 502”."),
    )
    text = forms.CharField(
        label=gettext_lazy("What did you see?"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("When, how often, and how you know; facts rather than opinions."),
    )
    photos = PhotosField(
        label=gettext_lazy("Photos"),
        help_text=gettext_lazy("Up to %(n)s photos (JPEG or PNG).") % {"n": PHOTOS_MAX},
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Give the tip anonymously (leave no name or phone)"), required=False
    )
    contact_name = forms.CharField(label=gettext_lazy("Your name"), max_length=40, required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("Your phone"),
        max_length=20,
        required=False,
        help_text=gettext_lazy(
            "Optional. Only the staff handling the tip see it, to ask you more."
        ),
    )

    def __init__(self, *args, estates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *TipCategory.choices]
        self.fields["estate"].queryset = (
            estates if estates is not None else Estate.objects.order_by("code")
        )

    def clean(self):
        data = super().clean()
        if data.get("anonymous") and (
            (data.get("contact_name") or "").strip() or (data.get("contact_phone") or "").strip()
        ):
            self.add_error(
                "anonymous",
                _("An anonymous tip leaves no name or phone: clear them, or untick this box."),
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "estate": data.get("estate"),
            "place": data["place"],
            "text": data["text"],
            "photos": data.get("photos") or [],
            "anonymous": data.get("anonymous", False),
            "contact_name": data.get("contact_name", ""),
            "contact_phone": data.get("contact_phone", ""),
        }


class PortalTipForm(TipForm):
    anonymous = forms.BooleanField(
        label=gettext_lazy("Do not show my name to the staff handling it"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["contact_name"]
        self.fields["contact_phone"].help_text = gettext_lazy(
            "Optional: a number to call you back on."
        )


class StaffTipForm(TipForm):
    """A tip taken by phone or at the counter, entered by staff of the estates they see."""

    unit_code = forms.CharField(
        label=gettext_lazy("Unit code"),
        max_length=24,
        required=False,
        help_text=gettext_lazy("If the tipster named the unit, e.g. E01-03-1502."),
    )
    field_order = ["category", "estate", "unit_code", "place", "text", "photos"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, estates=Estate.objects.visible_to(user).order_by("code"), **kwargs)
        self.user = user
        self.fields["estate"].empty_label = _("Not known")
        self.fields["contact_name"].label = _("Tipster's name")
        self.fields["contact_phone"].label = _("Tipster's phone")
        self.fields["anonymous"].label = _("The tipster wants to stay anonymous")

    def clean_unit_code(self):
        return _unit_in(Unit.objects.visible_to(self.user), self.cleaned_data.get("unit_code"))

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "unit": self.cleaned_data.get("unit_code")}


class TipFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=())
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False, choices=())
    source = forms.ChoiceField(label=gettext_lazy("Source"), required=False, choices=())
    estate = forms.ModelChoiceField(
        label=gettext_lazy("Estate"),
        queryset=Estate.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue for triage"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(TipStatus.choices)
        self.fields["category"].choices = everything + list(TipCategory.choices)
        self.fields["source"].choices = everything + list(TipSource.choices)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


class TipInspectForm(forms.Form):
    unit_code = forms.CharField(label=gettext_lazy("Unit to inspect"), max_length=24)
    assign_to = forms.ModelChoiceField(
        label=gettext_lazy("Inspector"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("The estate's routine inspector"),
    )
    due_on = forms.DateField(
        label=gettext_lazy("Visit by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["assign_to"].queryset = inspector_choices(user)
        self.fields["assign_to"].label_from_instance = _inspector_label

    def clean_unit_code(self):
        return _unit_in(Unit.objects.visible_to(self.user), self.cleaned_data.get("unit_code"))

    def clean_due_on(self):
        day = self.cleaned_data.get("due_on")
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("The day is in the past."))
        return day


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


def _inspector_label(user) -> str:
    org = f" · {user.organisation}" if user.organisation_id else ""
    return f"{user}{org}"
