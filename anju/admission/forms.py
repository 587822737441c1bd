"""Forms of the staff pages for applications and their review. They parse input only;
the services decide what is allowed."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from anju.households.models import Category, Disability, DocumentType, Relation

from .models import ApplicationStatus, CurrentHousing, Decision, FlagStatus, PriorityGround
from .selectors.applications import communities_for, search_q

# Age and disability are read from the ID number and the disability level; the other
# grounds are claimed, and shown as checkboxes.
CLAIMED_GROUNDS = [
    (g.value, g.label)
    for g in (PriorityGround.VETERAN, PriorityGround.ILLNESS, PriorityGround.SPECIAL_CARE)
]


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Number or member's name"), method="filter_q")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ApplicationStatus.choices, empty_label=_("All")
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=Category.choices, empty_label=_("All")
    )
    community = django_filters.ModelChoiceFilter(
        label=_("Community"), queryset=None, empty_label=_("All")
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["community"].queryset = communities_for(user)

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_q(value))


class DeclaredForm(forms.Form):
    """What the family declares about itself (members are added one by one)."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    current_housing = forms.ChoiceField(
        label=_("Current housing"),
        choices=[("", "—"), *CurrentHousing.choices],
    )
    address = forms.CharField(label=_("Current address"), max_length=200)
    housing_area_m2 = forms.DecimalField(
        label=_("Housing area owned (m²)"),
        min_value=0,
        max_digits=7,
        decimal_places=2,
        initial=0,
        help_text=_("All housing the family owns, together; 0 if none."),
    )
    vehicles = forms.IntegerField(label=_("Vehicles owned"), min_value=0, initial=0)
    deposits = forms.DecimalField(
        label=_("Household deposits (yuan)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
    )
    residence_years = forms.IntegerField(
        label=_("Years of local residence or hukou"), min_value=0, initial=0
    )
    insurance_months = forms.IntegerField(
        label=_("Months of local social insurance"), min_value=0, initial=0
    )
    owns_business = forms.BooleanField(label=_("Owns or runs a business"), required=False)
    needs_accessible = forms.BooleanField(label=_("Needs a barrier-free unit"), required=False)


class NewApplicationForm(DeclaredForm):
    """A counter application: the receiving community first (a community worker's own)."""

    community = forms.ModelChoiceField(label=_("Receiving community"), queryset=None)

    field_order = ["community", "category"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        communities = communities_for(user)
        self.fields["community"].queryset = communities
        own = communities.filter(pk=user.organisation_id).first()
        if own is not None:
            self.fields["community"].initial = own.pk


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    id_number = forms.CharField(label=_("ID number"), max_length=20)
    relation = forms.ChoiceField(label=_("Relation to the applicant"), choices=Relation.choices)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    monthly_income = forms.DecimalField(
        label=_("Monthly income (yuan)"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        initial=0,
        required=False,
    )
    employer = forms.CharField(label=_("Employer"), max_length=100, required=False)
    hukou = forms.CharField(
        label=_("Household registration (hukou)"), max_length=100, required=False
    )
    disability = forms.ChoiceField(
        label=_("Disability level"), choices=Disability.choices, required=False
    )
    grounds = forms.MultipleChoiceField(
        label=_("Priority grounds"),
        choices=CLAIMED_GROUNDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Old age and disability are taken from the ID number and disability level."),
    )


class DocumentForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("Type"), choices=DocumentType.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        required=False,
        help_text=_("Leave empty to use the type."),
    )
    # The service reads the file's first bytes and its size (anju.core.uploads), and
    # names the file in its error.
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawing"), max_length=300)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    items = forms.CharField(
        label=_("Items to correct"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line; needed to return the application."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Needed to reject the application."),
    )
    false_declaration = forms.BooleanField(
        label=_("False declaration found (art. 35): reject, warn and record in the archive"),
        required=False,
    )

    def clean_items(self):
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class FlagResolveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[(FlagStatus.CLEARED, _("Clear")), (FlagStatus.UPHELD, _("Uphold"))],
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(label=_("Why"), max_length=300)


def form_errors(form) -> str:
    """A form's errors in one line, each with its field's label."""
    return "; ".join(
        f"{form.fields[f].label}: {m}" if f in form.fields else str(m)
        for f, ms in form.errors.items()
        for m in ms
    )
