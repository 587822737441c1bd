from django.urls import path

from . import ledger_views, views

urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/documents/", views.document_add, name="document_add"),
    path(
        "households/<int:pk>/documents/<int:doc_pk>/",
        views.document_download,
        name="document_download",
    ),
    path(
        "households/<int:pk>/conduct/",
        views.household_conduct_record,
        name="household_conduct_record",
    ),
    path("households/<int:pk>/paper-file/", views.paper_file_place, name="paper_file_place"),
    path("households/<int:pk>/paper-file/loans/", views.paper_file_lend, name="paper_file_lend"),
    path(
        "households/<int:pk>/paper-file/loans/<int:loan_pk>/return/",
        views.paper_file_return,
        name="paper_file_return",
    ),
    path("members/<int:pk>/reveal/<str:field>/", views.member_reveal, name="member_reveal"),
    path("ledger/", ledger_views.ledger_import, name="ledger_import"),
    path("ledger/jobs/<int:pk>/", ledger_views.ledger_job, name="ledger_job"),
    path(
        "ledger/jobs/<int:pk>/import/", ledger_views.ledger_job_confirm, name="ledger_job_confirm"
    ),
    path("ledger/export.xlsx", ledger_views.ledger_export_xlsx, name="ledger_export"),
]
