"""Staff pages of the tenancy app, one module per area; each module lists its own
`urlpatterns`, gathered in `anju.tenancy.urls`."""
