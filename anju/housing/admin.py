from django.contrib import admin

from anju.core.admin import AuditedAdmin

from .models import Building, Estate, RentStandard, Unit


@admin.register(Estate)
class EstateAdmin(AuditedAdmin):
    list_display = ["code", "name", "community", "operator", "property_company"]
    search_fields = ["code", "name"]


@admin.register(Building)
class BuildingAdmin(AuditedAdmin):
    list_display = ["__str__", "floors", "units_per_floor"]
    list_filter = ["estate"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["code", "estate", "floor", "area_m2", "status"]
    list_filter = ["estate", "status"]
    search_fields = ["code"]
    readonly_fields = ["status", "status_changed_at"]


@admin.register(RentStandard)
class RentStandardAdmin(AuditedAdmin):
    list_display = ["estate", "price_per_m2", "effective_from", "source"]
