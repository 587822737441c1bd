"""The renewal forms, shared by the counter and the tenant portal. They only parse
input; the rules are in anju.tenancy.services.renewal and declarations."""

from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import HousingAcquired

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class DeclarationForm(forms.Form):
    deposits = forms.DecimalField(
        label=_("Household deposits (yuan)"),
        help_text=_("Savings, deposits and investments of everyone in the household."),
        initial=Decimal("0"),
        **MONEY,
    )
    vehicles = forms.IntegerField(label=_("Vehicles owned"), min_value=0, max_value=99, initial=0)
    owns_business = forms.BooleanField(
        label=_("Someone in the household owns or runs a business"), required=False
    )
    housing_acquired = forms.ChoiceField(
        label=_("Other housing acquired since moving in"),
        choices=HousingAcquired.choices,
        initial=HousingAcquired.NONE,
    )
    housing_note = forms.CharField(
        label=_("About that housing"),
        max_length=200,
        required=False,
        help_text=_("Where it is and when it was acquired."),
    )
    other_subsidised = forms.BooleanField(
        label=_("The household rents or owns other subsidised housing"), required=False
    )
    consent = forms.BooleanField(
        label=_(
            "We declare this is true and consent to it being checked with the civil affairs, "
            "real-estate, vehicle, market-regulation and tax agencies."
        ),
        required=True,
        error_messages={"required": _("The declaration needs the household's consent.")},
    )


class MemberRowForm(forms.Form):
    """A current member: the income declared, and whether they still live in the unit.
    The name shown comes from the form's initial data."""

    member = forms.IntegerField(widget=forms.HiddenInput)
    monthly_income = forms.DecimalField(
        label=_("Monthly income (yuan)"), max_digits=10, decimal_places=2, min_value=0
    )
    present = forms.BooleanField(label=_("Lives in the unit"), required=False)


class NewcomerForm(forms.Form):
    """Someone who joined the household since the last declaration; left empty when
    nobody did."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=40, required=False)
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    monthly_income = forms.DecimalField(
        label=_("Monthly income (yuan)"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if (data.get("birth_date") or data.get("monthly_income")) and not data.get("name"):
            self.add_error("name", _("Give the newcomer's name."))
        return data


MemberFormSet = formset_factory(MemberRowForm, extra=0)
NewcomerFormSet = formset_factory(NewcomerForm, extra=2, max_num=6)


class RenewalDeclaration:
    """The declaration of a renewal: the household's answers, one row per current
    member (their income prefilled from the archive) and rows for newcomers."""

    def __init__(self, household, data=None):
        members = list(household.members.current().order_by("id"))
        self.form = DeclarationForm(data, prefix="d")
        self.members = MemberFormSet(
            data,
            prefix="m",
            initial=[
                {
                    "member": m.pk,
                    "name": m.name,
                    "relation": m.get_relation_display(),
                    "monthly_income": m.monthly_income,
                    "present": True,
                }
                for m in members
            ],
        )
        self.newcomers = NewcomerFormSet(data, prefix="n")

    @property
    def newcomers_open(self) -> bool:
        """Show the newcomer rows unfolded: something was typed in them."""
        return self.newcomers.is_bound and (
            self.newcomers.has_changed() or self.newcomers.total_error_count() > 0
        )

    def is_valid(self) -> bool:
        # Every part is validated, so that each shows its own errors.
        return all([self.form.is_valid(), self.members.is_valid(), self.newcomers.is_valid()])

    def service_kwargs(self) -> dict:
        """The arguments of renewal_apply (and declaration_submit) from valid input."""
        data = self.form.cleaned_data
        members = [
            {
                "member": row["member"],
                "monthly_income": row["monthly_income"],
                "present": row["present"],
            }
            for row in self.members.cleaned_data
        ]
        members += [
            {
                "member": None,
                "name": row["name"],
                "birth_date": row.get("birth_date"),
                "monthly_income": row.get("monthly_income") or Decimal("0"),
                "present": True,
            }
            for row in self.newcomers.cleaned_data
            if row.get("name")
        ]
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


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve the renewal")), ("refuse", _("Refuse the renewal"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to refuse, and to approve when a criterion is not met."),
    )
