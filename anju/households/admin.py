from django.contrib import admin

from anju.core.admin import AuditedAdmin

from .models import Household, Member
from .services import MEMBER_FIELDS


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    list_display = ["number", "category", "status", "estate", "unit"]
    list_filter = ["category", "status", "estate"]
    search_fields = ["number"]
    readonly_fields = ["unit", "estate", "status", "head"]


@admin.register(Member)
class MemberAdmin(AuditedAdmin):
    """Personal numbers are shown masked only; correct them through the archive page."""

    list_display = ["name", "household", "relation", "id_number_masked", "left_at"]
    search_fields = ["name", "name_initials", "household__number"]
    fields = ["household", *MEMBER_FIELDS, "left_at"]
    readonly_fields = ["household", "id_number_masked", "phone_masked"]
