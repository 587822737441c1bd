from django.urls import path

from .views import account, audit, auth, dashboard, inbox, jobs, manage, outbox, search

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("login/code/", auth.login_token, name="login_token"),
    path("logout/", auth.logout_view, name="logout"),
    path("account/", account.account, name="account"),
    path("search/", search.search, name="search"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("messages/", outbox.message_list, name="message_list"),
    path("messages/templates/", outbox.message_template_list, name="message_template_list"),
    path(
        "messages/templates/<str:code>/",
        outbox.message_template_edit,
        name="message_template_edit",
    ),
    path("tasks/", outbox.task_list, name="task_list"),
    path("tasks/<int:pk>/done/", outbox.task_complete, name="task_complete"),
    path("manage/users/", manage.user_list, name="user_list"),
    path("manage/users/new/", manage.user_create, name="user_create"),
    path("manage/users/<int:pk>/", manage.user_edit, name="user_edit"),
    path("manage/organisations/", manage.organisation_list, name="organisation_list"),
    path("manage/organisations/new/", manage.organisation_create, name="organisation_create"),
    path("manage/organisations/<int:pk>/", manage.organisation_edit, name="organisation_edit"),
    path("manage/api-keys/", manage.apikey_list, name="apikey_list"),
    path("manage/api-keys/<int:pk>/revoke/", manage.apikey_revoke, name="apikey_revoke"),
]
urlpatterns += inbox.urlpatterns
