"""Background tasks of the evaluation app, one module per area; huey finds them through
this package, which imports every module in it."""

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_info.name}")
