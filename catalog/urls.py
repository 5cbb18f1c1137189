"""HTML page routes of this app."""

from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("courses/<str:slug>/enrol/", views.course_enrol, name="course-enrol"),
    path("courses/<str:slug>/unenrol/", views.course_unenrol, name="course-unenrol"),
]
