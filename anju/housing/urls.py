from django.urls import path

from . import views

urlpatterns = [
    path("estates/", views.estate_list, name="estate_list"),
    path("estates/<int:pk>/", views.estate_detail, name="estate_detail"),
    path("estates/<int:pk>/rent-standards/", views.rent_standard_add, name="rent_standard_add"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/status/", views.unit_set_status, name="unit_set_status"),
]
