"""The portal's forms. They only parse input; the rules live in the services they feed
(anju.core.services.applicant_signup, anju.admission.services.applications)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.admission.models import CurrentHousing, PriorityGround, Question
from anju.core.models import AgencyFunction, Organisation, OrgKind
from anju.households.models import Category, Disability, DocumentType, Relation

# The documents a family uploads on the portal; the archive's other kinds (signed lease,
# handover record…) come later from staff.
PORTAL_DOCUMENT_TYPES = [
    DocumentType.ID_CARD,
    DocumentType.HUKOU,
    DocumentType.INCOME,
    DocumentType.MARRIAGE,
    DocumentType.DISABILITY,
    DocumentType.OTHER,
]


class SignupForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=20,
        help_text=_("You log in with this number."),
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "autofocus": True}
        ),
    )
    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not only digits, and not your phone number."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") != data.get("password"):
            self.add_error("password2", _("The two passwords differ."))
        return data


def community_choices():
    return Organisation.objects.filter(kind=OrgKind.COMMUNITY, is_active=True).order_by("code")


class StartForm(forms.Form):
    category = forms.ChoiceField(label=_("Which group are you applying as?"), choices=())
    community = forms.ModelChoiceField(
        label=_("Your community"),
        queryset=Organisation.objects.none(),
        empty_label=_("Choose your community"),
        help_text=_("The community office where you live receives and first reviews it."),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = community_choices()
        offered = set(categories)
        self.fields["category"].choices = [c for c in Category.choices if c[0] in offered]


class DetailsForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=())
    current_housing = forms.ChoiceField(
        label=_("Where does the family live now?"),
        choices=[("", "—"), *CurrentHousing.choices],
    )
    address = forms.CharField(label=_("Current address"), max_length=200)
    housing_area_m2 = forms.DecimalField(
        label=_("Housing area the family owns (m²)"),
        min_value=0,
        max_digits=7,
        decimal_places=2,
        initial=0,
        help_text=_("0 if the family owns no housing."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    vehicles = forms.IntegerField(
        label=_("Vehicles the family owns"), min_value=0, max_value=99, initial=0
    )
    deposits = forms.DecimalField(
        label=_("Savings and deposits of the whole family (yuan)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    owns_business = forms.BooleanField(
        label=_("A family member owns or runs a business"), required=False
    )
    residence_years = forms.IntegerField(
        label=_("Years of local residence or household registration"),
        min_value=0,
        max_value=120,
        initial=0,
    )
    insurance_months = forms.IntegerField(
        label=_("Months of local social-insurance contributions"),
        min_value=0,
        max_value=1200,
        initial=0,
    )
    needs_accessible = forms.BooleanField(
        label=_("The family needs a barrier-free unit"), required=False
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        offered = set(categories)
        self.fields["category"].choices = [c for c in Category.choices if c[0] in offered]


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=40)
    relation = forms.ChoiceField(label=_("Relation to the applicant"), choices=Relation.choices)
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    monthly_income = forms.DecimalField(
        label=_("Monthly income (yuan)"),
        required=False,
        help_text=_("Wages, pensions and other regular income; 0 for none."),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    employer = forms.CharField(label=_("Employer"), max_length=100, required=False)
    hukou = forms.CharField(
        label=_("Household registration (hukou)"), max_length=100, required=False
    )
    disability = forms.ChoiceField(
        label=_("Disability certificate"), choices=Disability.choices, required=False
    )
    grounds = forms.MultipleChoiceField(
        label=_("Other priority grounds"),
        # Age and disability come from the ID number and the disability field.
        choices=[
            c
            for c in PriorityGround.choices
            if c[0] not in (PriorityGround.ELDERLY, PriorityGround.DISABLED)
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Age and disability are counted from the ID number and certificate."),
    )

    def __init__(self, *args, has_head=False, **kwargs):
        super().__init__(*args, **kwargs)
        if has_head:  # the applicant is named once; everyone else is a relative
            self.fields["relation"].choices = [c for c in Relation.choices if c[0] != Relation.HEAD]


class DocumentForm(forms.Form):
    doc_type = forms.ChoiceField(
        label=_("Document"), choices=[(t.value, t.label) for t in PORTAL_DOCUMENT_TYPES]
    )
    file = forms.FileField(
        label=_("Scan or photo"),
        help_text=_("A PDF, JPEG or PNG file."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,image/*"}),
    )
    title = forms.CharField(
        label=_("Description"),
        max_length=120,
        required=False,
        help_text=_("Optional, e.g. whose document it is."),
    )


# What the authority asks each partner agency about every family member (协查), as the
# consent page states it: the agencies and the questions of the verification batches
# (anju.admission.models.verification).
CONSENT_CHECKS = [
    (AgencyFunction.CIVIL_AFFAIRS, Question.SUBSISTENCE),
    (AgencyFunction.PUBLIC_SECURITY, Question.HUKOU),
    (AgencyFunction.REAL_ESTATE, Question.PROPERTY),
    (AgencyFunction.MARKET_REGULATION, Question.BUSINESS),
    (AgencyFunction.SOCIAL_INSURANCE, Question.INSURANCE),
    (AgencyFunction.PROVIDENT_FUND, Question.PROVIDENT_FUND),
    (AgencyFunction.VEHICLE_REGISTRY, Question.VEHICLE),
]


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label=_(
            "I agree that the authority checks the data of every family member listed above "
            "with the agencies named."
        ),
        error_messages={"required": _("Tick the box to give your consent.")},
    )


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class RefreshAnswerForm(forms.Form):
    still_wants = forms.ChoiceField(
        label=_("Does your family still want public rental housing?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    still_qualifies = forms.ChoiceField(
        label=_("Does your family still meet the admission conditions?"),
        help_text=_("Income, assets and housing as declared, or still within the limits."),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
