"""The Django admin, for superusers only, as a last-resort repair tool. Every save and
delete made here is written to the audit log like any other change. Workflow fields
(unit status, a household's unit) are read-only: those move only through services.
The audit log itself is not registered, so nothing here can edit or delete it."""

from django.contrib import admin

from . import audit
from .models import ApiKey, Organisation, User


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes = {
            name: [None, str(form.cleaned_data.get(name))]
            for name in form.changed_data
            if "password" not in name
        }
        audit.record(
            actor=request.user,
            action="admin.change" if change else "admin.add",
            target=obj,
            changes=changes,
        )

    def delete_model(self, request, obj):
        audit.record(actor=request.user, action="admin.delete", target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        audit.record_many(actor=request.user, items=[("admin.delete", obj, {}) for obj in queryset])
        super().delete_queryset(request, queryset)


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(AuditedAdmin):
    list_display = ["username", "full_name", "organisation", "is_active", "is_superuser"]
    search_fields = ["username", "full_name"]
    fields = ["username", "full_name", "organisation", "is_active", "is_superuser"]


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedAdmin):
    list_display = ["name", "prefix", "organisation", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_by", "created_at", "last_used_at"]
