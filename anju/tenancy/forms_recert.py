"""The forms of the yearly recertification. The declaration form is the same on the
portal and at the counter; it only parses input, and `declaration_submit` holds the
rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.housing.models import Estate

from .models import HousingAcquired, Outcome

NEWCOMER_ROWS = 2
DATE = {"type": "date", "class": "form-control"}
ISO = "%Y-%m-%d"  # what <input type="date"> reads
MONEY = {"class": "form-control", "inputmode": "decimal", "step": "0.01", "min": "0"}


class CampaignForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("Name"), max_length=100)
    estates = forms.ModelMultipleChoiceField(
        label=_("Estates"),
        queryset=Estate.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose at least one estate.")},
    )
    declare_by = forms.DateField(
        label=_("Declare by"),
        required=False,
        widget=forms.DateInput(attrs=DATE, format=ISO),
        help_text=_("Leave empty for the rule set's number of days from today."),
    )

    def __init__(self, *args, estates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estates"].queryset = estates
        year = timezone.localdate().year
        self.fields["year"].initial = year
        self.fields["name"].initial = _("%(year)s recertification") % {"year": year}


class DeclarationForm(forms.Form):
    """One income and a "lives in the unit" box per current member, a few rows for
    people who joined, then the household's assets and other housing, and consent."""

    deposits = forms.DecimalField(
        label=_("Household deposits (yuan)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
        widget=forms.NumberInput(attrs=MONEY),
        help_text=_("Bank deposits, wealth-management products and cash of everyone."),
    )
    vehicles = forms.IntegerField(
        label=_("Vehicles"),
        min_value=0,
        max_value=99,
        initial=0,
        widget=forms.NumberInput(attrs={"class": "form-control", "min": "0"}),
    )
    owns_business = forms.BooleanField(label=_("A member owns or runs a business"), required=False)
    housing_acquired = forms.ChoiceField(
        label=_("Other housing acquired since the last check"),
        choices=HousingAcquired.choices,
        initial=HousingAcquired.NONE,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    housing_note = forms.CharField(
        label=_("About that housing (address, area)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    other_subsidised = forms.BooleanField(
        label=_("A member rents or owns other subsidised housing"), required=False
    )
    consent = forms.BooleanField(
        label=_(
            "We declare that this is true and complete, and consent to its being checked "
            "with the partner agencies."
        ),
        error_messages={"required": _("The household must consent to the checks.")},
    )

    def __init__(self, *args, members, declaration=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        earlier = {}
        if declaration is not None:
            earlier = {d.member_id: d for d in declaration.members.all() if d.member_id}
            for name in ("deposits", "vehicles", "owns_business", "housing_acquired"):
                self.fields[name].initial = getattr(declaration, name)
            self.fields["housing_note"].initial = declaration.housing_note
            self.fields["other_subsidised"].initial = declaration.other_subsidised
        for member in self.members:
            before = earlier.get(member.pk)
            self.fields[f"income_{member.pk}"] = forms.DecimalField(
                label=_("Monthly income of %(name)s (yuan)") % {"name": member.name},
                min_value=0,
                max_digits=10,
                decimal_places=2,
                initial=before.monthly_income if before else member.monthly_income,
                widget=forms.NumberInput(attrs=MONEY),
            )
            self.fields[f"present_{member.pk}"] = forms.BooleanField(
                label=_("Lives in the unit"),
                required=False,
                initial=before.present if before else True,
            )
        for i in range(1, NEWCOMER_ROWS + 1):
            self.fields[f"new_name_{i}"] = forms.CharField(
                label=_("Name"),
                max_length=40,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            self.fields[f"new_birth_{i}"] = forms.DateField(
                label=_("Date of birth"),
                required=False,
                widget=forms.DateInput(attrs=DATE, format=ISO),
            )
            self.fields[f"new_income_{i}"] = forms.DecimalField(
                label=_("Monthly income (yuan)"),
                min_value=0,
                max_digits=10,
                decimal_places=2,
                required=False,
                widget=forms.NumberInput(attrs=MONEY),
            )
        for f in self.fields.values():
            if isinstance(f.widget, forms.CheckboxInput):
                f.widget.attrs.setdefault("class", "form-check-input")

    def member_rows(self):
        """(member, income field, present field) for the template."""
        return [(m, self[f"income_{m.pk}"], self[f"present_{m.pk}"]) for m in self.members]

    def newcomer_rows(self):
        return [
            (self[f"new_name_{i}"], self[f"new_birth_{i}"], self[f"new_income_{i}"])
            for i in range(1, NEWCOMER_ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        for i in range(1, NEWCOMER_ROWS + 1):
            if data.get(f"new_name_{i}") and not data.get(f"new_birth_{i}"):
                self.add_error(f"new_birth_{i}", _("Give the newcomer's date of birth."))
        return data

    def declared(self) -> dict:
        """The keyword arguments of declaration_submit."""
        data = self.cleaned_data
        members = [
            {
                "member": m.pk,
                "monthly_income": data[f"income_{m.pk}"],
                "present": data[f"present_{m.pk}"],
            }
            for m in self.members
        ]
        for i in range(1, NEWCOMER_ROWS + 1):
            name = (data.get(f"new_name_{i}") or "").strip()
            if name:
                members.append(
                    {
                        "member": None,
                        "name": name,
                        "birth_date": data[f"new_birth_{i}"],
                        "monthly_income": data.get(f"new_income_{i}") or 0,
                        "present": True,
                    }
                )
        return {
            "members": members,
            "deposits": data["deposits"],
            "vehicles": data["vehicles"],
            "owns_business": data["owns_business"],
            "housing_acquired": data["housing_acquired"],
            "housing_note": data["housing_note"],
            "other_subsidised": data["other_subsidised"],
            "consent": data["consent"],
        }


class ConfirmForm(forms.Form):
    """Bulk confirmation: the date a new rent takes effect."""

    effective_from = forms.DateField(
        label=_("New rent from"), widget=forms.DateInput(attrs=DATE, format=ISO), required=False
    )


class ExceptionForm(forms.Form):
    """One case confirmed with a different outcome than computed, and why."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    multiple = forms.DecimalField(
        label=_("Rent multiple (tiered rent only)"),
        required=False,
        min_value=1,
        max_digits=4,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.5", "min": "1"}),
    )
    exception_note = forms.CharField(
        label=_("Reason for the exception"),
        max_length=300,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
        error_messages={"required": _("Give the reason for setting a different outcome.")},
    )
    effective_from = forms.DateField(
        label=_("New rent from"), widget=forms.DateInput(attrs=DATE, format=ISO), required=False
    )
