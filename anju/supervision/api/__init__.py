"""The supervision app's API: one router, gathering the routers of its modules."""

import importlib
import pkgutil

from ninja import Router

router = Router(tags=["supervision"])
for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    if hasattr(_module, "router"):
        router.add_router("", _module.router)
