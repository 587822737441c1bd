"""The evaluation app's pages: each module of `views` owns its URLs (its `urlpatterns`)."""

import importlib
import pkgutil

from . import views

urlpatterns = []
for _info in sorted(pkgutil.iter_modules(views.__path__), key=lambda m: m.name):
    _module = importlib.import_module(f"{views.__name__}.{_info.name}")
    urlpatterns += getattr(_module, "urlpatterns", [])
