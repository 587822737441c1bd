"""Staff pages of the admission app, one module per step; each module lists its own
`urlpatterns`, gathered in `anju.admission.urls`."""
