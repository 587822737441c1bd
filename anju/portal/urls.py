from django.urls import path

from .views import (
    activities,
    apply,
    choose,
    conduct,
    declare,
    exchanges,
    exits,
    feedback,
    home,
    messages,
    notices,
    renew,
    repairs,
    signup,
    status,
    surveys,
    tenancy,
    tips,
)

urlpatterns = [
    path("my/", home.home, name="portal_home"),
    path("signup/", signup.signup, name="portal_signup"),
    path("my/apply/", apply.apply, name="portal_apply"),
    path("my/application/", status.application_status, name="portal_application"),
    path("my/application/details/", apply.details, name="portal_application_details"),
    path("my/application/members/", apply.members, name="portal_application_members"),
    path(
        "my/application/members/<int:pk>/remove/",
        apply.member_remove,
        name="portal_member_remove",
    ),
    path("my/application/documents/", apply.documents, name="portal_application_documents"),
    path(
        "my/application/documents/<int:pk>/",
        apply.document_download,
        name="portal_document_download",
    ),
    path("my/application/consent/", apply.consent, name="portal_application_consent"),
    path("my/application/submit/", apply.submit, name="portal_application_submit"),
    path("my/waiting/refresh/", status.refresh_answer, name="portal_refresh_answer"),
    path("my/rounds/<int:pk>/", choose.choice, name="portal_choice"),
    path(
        "my/rounds/<int:pk>/units/<int:unit_pk>/",
        choose.choose_unit,
        name="portal_choose_unit",
    ),
    path("my/rounds/<int:pk>/decline/", choose.decline, name="portal_choice_decline"),
    path(
        "my/lease-offers/<int:pk>/contract.pdf",
        choose.offer_contract,
        name="portal_offer_contract",
    ),
]
urlpatterns += tenancy.urlpatterns + renew.urlpatterns + declare.urlpatterns
urlpatterns += conduct.urlpatterns
urlpatterns += tips.urlpatterns
urlpatterns += exits.urlpatterns + exchanges.urlpatterns
urlpatterns += feedback.urlpatterns
urlpatterns += repairs.urlpatterns
urlpatterns += notices.urlpatterns + messages.urlpatterns
urlpatterns += activities.urlpatterns + surveys.urlpatterns
