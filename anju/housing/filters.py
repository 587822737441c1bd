import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Estate, Unit, UnitStatus


class UnitFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(
        label=_("Unit code"), field_name="code", lookup_expr="startswith"
    )
    estate = django_filters.ModelChoiceFilter(label=_("Estate"), queryset=None)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=UnitStatus.choices)
    rooms = django_filters.NumberFilter(label=_("Rooms"))
    accessible = django_filters.BooleanFilter(label=_("Barrier-free"))

    class Meta:
        model = Unit
        fields = ["code", "estate", "status", "rooms", "accessible"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["estate"].queryset = Estate.objects.visible_to(user)
