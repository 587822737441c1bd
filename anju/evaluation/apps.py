from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "anju.evaluation"
    verbose_name = _("Evaluation")
    label = "evaluation"

    def ready(self):
        # The services register their timeline verbs and message templates, and the
        # indicator modules their computations, on import.
        import importlib
        import pkgutil

        from . import indicators, services

        for package in (services, indicators):
            for info in pkgutil.iter_modules(package.__path__):
                importlib.import_module(f"{package.__name__}.{info.name}")
