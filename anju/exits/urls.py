"""The exits app's staff pages; each views module owns its URLs."""

from .views import cases, dashboard, exchanges, handovers

urlpatterns = cases.urlpatterns + handovers.urlpatterns + exchanges.urlpatterns
urlpatterns += dashboard.urlpatterns
