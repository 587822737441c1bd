"""Forms of the lease pages, the amendments and the reports. They parse input only; the
rules live in anju.tenancy.services."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.households.models import Lease, LeaseStatus, Relation, RentReason
from anju.housing.models import Estate

from .models import AmendmentKind, AmendmentStatus, LeaseAmendment
from .services.amendments import HeadChangeCause

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


def errors_text(form) -> str:
    """The form's errors in one line, for a message after a POST."""
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
        for f, ms in form.errors.items()
        for m in ms
    )


# --- Lists ----------------------------------------------------------------------------


def relief_tier_field(label) -> forms.DecimalField:
    """The share of the standard paid: 0 to 1, optional."""
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_value=1, max_digits=4, decimal_places=2
    )


def multiplier_field(label) -> forms.DecimalField:
    """A tiered-rent multiplier, optional."""
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_digits=4, decimal_places=2
    )


class LeaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Lease or household no."), method="filter_q")
    estate = django_filters.ModelChoiceFilter(
        label=_("Estate"),
        field_name="unit__estate",
        queryset=Estate.objects.none(),
        empty_label=_("All"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=LeaseStatus.choices, empty_label=_("All")
    )
    ending_before = django_filters.DateFilter(
        label=_("Ending before"), method="filter_ending", widget=DATE
    )

    class Meta:
        model = Lease
        fields = ["q", "estate", "status", "ending_before"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["estate"].queryset = Estate.objects.visible_to(user)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(household__number__startswith=value.upper())
            | Q(household__head__name__contains=value)
        )

    def filter_ending(self, queryset, name, value):
        return queryset.filter(end__lt=value)


class AmendmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=AmendmentStatus.choices, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=AmendmentKind.choices, empty_label=_("All")
    )

    class Meta:
        model = LeaseAmendment
        fields = ["status", "kind"]


# --- Lease terms and rent -------------------------------------------------------------


class LeaseTermsForm(forms.Form):
    billing_day = forms.IntegerField(
        label=_("Billing day"),
        min_value=1,
        max_value=28,
        help_text=_("Day of the month the rent falls due (1–28); from the next bill run on."),
    )
    deposit = forms.DecimalField(
        label=_("Deposit (yuan)"), min_value=0, max_digits=10, decimal_places=2
    )


class RentChangeForm(forms.Form):
    """A rent change recorded by hand. For a lease with terms the new terms are given
    (blank keeps the current one) and the rent is computed; a lease imported with its
    rent only takes the new rent outright."""

    effective_from = forms.DateField(label=_("From"), widget=DATE)
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(v, label) for v, label in RentReason.choices if v != RentReason.START],
    )
    price_per_m2 = forms.DecimalField(
        label=_("Rent standard (yuan per m² per month)"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
    )
    relief_tier = relief_tier_field(_("Relief tier"))
    rent_multiplier = multiplier_field(_("Tiered-rent multiplier"))
    surcharge = forms.DecimalField(
        label=_("Monthly surcharge (yuan)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
    )
    monthly_rent = forms.DecimalField(
        label=_("New monthly rent (yuan)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
    )
    note = forms.CharField(label=_("Note"), max_length=300, widget=forms.TextInput)

    TERMS = ("price_per_m2", "relief_tier", "rent_multiplier", "surcharge")

    def __init__(self, *args, lease: Lease, **kwargs):
        super().__init__(*args, **kwargs)
        self.lease = lease
        self.has_terms = bool(lease.area_m2 and lease.price_per_m2 and lease.relief_tier)
        if self.has_terms:
            del self.fields["monthly_rent"]
            for name in self.TERMS:
                current = getattr(lease, name)
                self.fields[name].widget.attrs["placeholder"] = "" if current is None else current
                self.fields[name].help_text = _("Now: %(v)s. Leave blank to keep it.") % {
                    "v": "—" if current is None else current
                }
        else:
            for name in self.TERMS:
                del self.fields[name]
            self.fields["monthly_rent"].required = True
            self.fields["monthly_rent"].help_text = _(
                "This lease holds no area or rent standard; give the new rent."
            )

    def terms(self) -> dict:
        """The changed terms for lease_rent_change."""
        data = self.cleaned_data
        if not self.has_terms:
            return {"monthly_rent": data["monthly_rent"]}
        return {
            name: data[name]
            for name in self.TERMS
            if data.get(name) is not None and data[name] != getattr(self.lease, name)
        }

    def clean(self):
        data = super().clean()
        if self.has_terms and not self.errors and not self.terms():
            raise forms.ValidationError(_("Change at least one of the terms."))
        return data


# --- Amendments ---------------------------------------------------------------------


class AmendmentBaseForm(forms.Form):
    effective_from = forms.DateField(label=_("Takes effect from"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.TextInput)
    document = forms.FileField(
        label=_("Supporting document"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        help_text=_("Optional. PDF, JPEG or PNG; it is kept in the household's archive."),
    )
    field_order = ["effective_from"]

    def __init__(self, *args, lease: Lease, members=(), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("effective_from", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.lease = lease
        self.order_fields([*self.field_order, "reason", "document"])

    def values(self) -> dict:
        """What changes, for amendment_request(values=…)."""
        skip = {"effective_from", "reason", "document"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


def _member_choices(members, *, exclude_head_of=None):
    head = exclude_head_of.head_id if exclude_head_of else None
    return [(m.pk, f"{m.name} · {m.get_relation_display()}") for m in members if m.pk != head]


class MemberJoinsForm(AmendmentBaseForm):
    name = forms.CharField(label=_("Name"), max_length=40)
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    relation = forms.ChoiceField(
        label=_("Relation to the head"),
        choices=[(v, label) for v, label in Relation.choices if v != Relation.HEAD],
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    hukou = forms.CharField(label=_("Household registration (hukou)"), required=False)
    employer = forms.CharField(label=_("Employer"), max_length=100, required=False)
    monthly_income = forms.DecimalField(
        label=_("Monthly income (yuan)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        initial=0,
    )
    field_order = [
        "name",
        "id_number",
        "relation",
        "phone",
        "hukou",
        "employer",
        "monthly_income",
        "effective_from",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_number"].help_text = _(
            "The date of birth and sex are read from it. Stored encrypted."
        )


class MemberLeavesForm(AmendmentBaseForm):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)
    field_order = ["member", "effective_from"]

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, members=members, **kwargs)
        self.fields["member"].choices = _member_choices(
            members, exclude_head_of=self.lease.household
        )
        self.fields["effective_from"].label = _("Left on")


class HeadChangesForm(AmendmentBaseForm):
    member = forms.TypedChoiceField(label=_("New head of household"), coerce=int)
    cause = forms.ChoiceField(label=_("Because of"), choices=HeadChangeCause.choices)
    field_order = ["member", "cause", "effective_from"]

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, members=members, **kwargs)
        self.fields["member"].choices = _member_choices(
            members, exclude_head_of=self.lease.household
        )
        self.fields["member"].help_text = _(
            "The present head leaves the household on the same day."
        )


class RentTierForm(AmendmentBaseForm):
    relief_tier = relief_tier_field(_("New relief tier"))
    rent_multiplier = multiplier_field(_("New tiered-rent multiplier"))
    field_order = ["relief_tier", "rent_multiplier", "effective_from"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lease = self.lease
        if not (lease.area_m2 and lease.price_per_m2 and lease.relief_tier):
            # Imported with its rent only: there is no standard for a tier to apply to.
            del self.fields["relief_tier"]
            self.fields["rent_multiplier"].required = True
        for name in ("relief_tier", "rent_multiplier"):
            if name not in self.fields:
                continue
            current = getattr(lease, name)
            self.fields[name].help_text = _("Now: %(v)s. Leave blank to keep it.") % {
                "v": "—" if current is None else current
            }

    def values(self) -> dict:
        return {k: v for k, v in super().values().items() if v is not None}


AMENDMENT_FORMS = {
    AmendmentKind.MEMBER_JOINS: MemberJoinsForm,
    AmendmentKind.MEMBER_LEAVES: MemberLeavesForm,
    AmendmentKind.HEAD_CHANGES: HeadChangesForm,
    AmendmentKind.RENT_TIER: RentTierForm,
}


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and apply")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when rejecting; the household is told."),
    )


# --- Reports ---------------------------------------------------------------------------


class RentRollForm(forms.Form):
    on = forms.DateField(label=_("In force on"), required=False, widget=DATE)
    estate = forms.ModelChoiceField(
        label=_("Estate"), queryset=Estate.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")

    def day(self) -> datetime.date:
        return (self.is_valid() and self.cleaned_data.get("on")) or timezone.localdate()

    def chosen_estate(self):
        return self.cleaned_data.get("estate") if self.is_valid() else None


class CollectionForm(forms.Form):
    until = forms.DateField(
        label=_("Last month"), required=False, widget=MONTH, input_formats=["%Y-%m", "%Y-%m-%d"]
    )
    estate = forms.ModelChoiceField(
        label=_("Estate"), queryset=Estate.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")

    def month(self) -> datetime.date:
        day = (self.is_valid() and self.cleaned_data.get("until")) or timezone.localdate()
        return day.replace(day=1)

    def chosen_estate(self):
        return self.cleaned_data.get("estate") if self.is_valid() else None
