from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "anju.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks


class AnjuAdminConfig(admin_apps.AdminConfig):
    """The Django admin with a site that lets in superusers only."""

    default = False
    default_site = "anju.core.admin_site.SuperuserAdminSite"
