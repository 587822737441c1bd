from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "anju.outreach"
    verbose_name = _("Notices, activities and surveys")
    label = "outreach"

    def ready(self):
        # The services register their timeline verbs and message templates on import.
        import importlib
        import pkgutil

        from . import services

        for info in pkgutil.iter_modules(services.__path__):
            importlib.import_module(f"{services.__name__}.{info.name}")
