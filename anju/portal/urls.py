from django.urls import path

from . import views

urlpatterns = [path("my/", views.home, name="portal_home")]
