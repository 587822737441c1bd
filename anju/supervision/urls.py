"""Gathers the `urlpatterns` of every module in `anju.supervision.views`."""

import importlib
import pkgutil

from anju.supervision import views

urlpatterns = []
for module_info in sorted(pkgutil.iter_modules(views.__path__), key=lambda m: m.name):
    module = importlib.import_module(f"{views.__name__}.{module_info.name}")
    urlpatterns += getattr(module, "urlpatterns", [])
