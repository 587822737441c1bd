import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Estate, Unit, UnitStatus


class UnitFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(
        label=_("Unit code"), field_name="code", lookup_expr="startswith"
    )
    estate = django_filters.ModelChoiceFilter(
        label=_("Estate"), queryset=None, empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=UnitStatus.choices, empty_label=_("All")
    )
    rooms = django_filters.NumberFilter(label=_("Rooms"))
    accessible = django_filters.ChoiceFilter(
        label=_("Barrier-free"),
        choices=[("true", _("Yes")), ("false", _("No"))],
        empty_label=_("All"),
        method="filter_accessible",
    )

    class Meta:
        model = Unit
        fields = ["code", "estate", "status", "rooms", "accessible"]

    def filter_accessible(self, queryset, name, value):
        return queryset.filter(accessible=value == "true")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["estate"].queryset = Estate.objects.visible_to(user)
