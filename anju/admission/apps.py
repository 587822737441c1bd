from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    name = "anju.admission"
    verbose_name = _("Admission and allocation")
    label = "admission"

    def ready(self):
        # The services register their timeline verbs when imported.
        import importlib
        import pkgutil

        from . import services

        for info in pkgutil.iter_modules(services.__path__):
            importlib.import_module(f"{services.__name__}.{info.name}")
