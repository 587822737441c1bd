import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.housing.models import Estate

from .models import Category, Household, HouseholdStatus


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Number or head's name"), method="filter_q")
    estate = django_filters.ModelChoiceFilter(
        label=_("Estate"), queryset=None, empty_label=_("All")
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=Category.choices, empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=HouseholdStatus.choices, empty_label=_("All")
    )

    class Meta:
        model = Household
        fields = ["q", "estate", "category", "status"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["estate"].queryset = Estate.objects.visible_to(user)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(number__startswith=value.upper())
            | Q(head__name__contains=value)
            | Q(head__name_initials__startswith=value.lower())
        )
