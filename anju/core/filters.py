import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Message, MessageChannel, MessageStatus, Task, TaskStatus


class MessageFilter(django_filters.FilterSet):
    household = django_filters.CharFilter(
        label=_("Household no."), field_name="household__number", lookup_expr="startswith"
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=MessageChannel.choices, empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=MessageStatus.choices, empty_label=_("All")
    )

    class Meta:
        model = Message
        fields = ["household", "channel", "status"]


class TaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=TaskStatus.choices, empty_label=_("All")
    )
    mine = django_filters.ChoiceFilter(
        label=_("Assigned to"),
        choices=[("mine", _("My organisation"))],
        empty_label=_("Anyone"),
        method="filter_mine",
    )

    class Meta:
        model = Task
        fields = ["status", "mine"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_mine(self, queryset, name, value):
        return queryset.filter(organisation_id=self.user.organisation_id) if value else queryset
