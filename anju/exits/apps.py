from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExitsConfig(AppConfig):
    name = "anju.exits"
    verbose_name = _("Exits and exchanges")
    label = "exits"

    def ready(self):
        # The services register their timeline verbs and message templates on import.
        import importlib
        import pkgutil

        from . import services

        for info in pkgutil.iter_modules(services.__path__):
            importlib.import_module(f"{services.__name__}.{info.name}")
