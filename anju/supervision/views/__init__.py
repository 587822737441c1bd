"""The supervision app's staff pages, one module per area; `anju.supervision.urls`
gathers each module's `urlpatterns`."""
