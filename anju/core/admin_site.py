from django.contrib import admin


class SuperuserAdminSite(admin.AdminSite):
    """Only superusers may enter; staff work in Anju's own pages."""

    site_header = "Anju"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser
