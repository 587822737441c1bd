from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"), max_length=6, min_length=6
    )


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password = forms.CharField(
        label=_("New password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Required for a new account; leave empty to keep."),
    )

    def __init__(self, *args, editing=False, **kwargs):
        from .models import Organisation
        from .roles import Role

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True)
        self.fields["roles"].choices = [c for c in Role.choices if c[0] != Role.TENANT]
        if editing:
            self.fields["username"].disabled = True


class OrganisationForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"))
    parent = forms.ModelChoiceField(
        label=pgettext_lazy("organisation", "Parent"), queryset=None, required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    agency_function = forms.ChoiceField(
        label=_("Agency function"),
        required=False,
        help_text=_(
            "For a partner agency: what it verifies. Verification requests go to every "
            "active agency with a function."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        from .models import AgencyFunction, Organisation, OrgKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = OrgKind.choices
        self.fields["parent"].queryset = Organisation.objects.filter(
            kind__in=[OrgKind.AUTHORITY, OrgKind.STREET]
        )
        self.fields["agency_function"].choices = [("", "—"), *AgencyFunction.choices]

    def clean(self):
        from .models import OrgKind

        data = super().clean()
        if data.get("agency_function") and data.get("kind") != OrgKind.AGENCY:
            self.add_error(
                "agency_function", _("Only a partner agency has a verification function.")
            )
        return data


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Client name"), max_length=100)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    estates = forms.ModelMultipleChoiceField(
        label=_("Estates"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    scopes = forms.MultipleChoiceField(label=_("Scopes"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        from anju.housing.models import Estate

        from .models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True)
        self.fields["estates"].queryset = Estate.objects.all()
        self.fields["scopes"].choices = API_SCOPES


API_SCOPES = [
    ("read", _("Read the housing stock and households of its estates")),
    ("ingest", _("Post access events and meter readings")),
    ("ledger", _("Import the legacy ledger")),
]


class AuditFilterForm(forms.Form):
    person = forms.CharField(label=_("Person"), required=False)
    record = forms.CharField(label=_("Record"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
