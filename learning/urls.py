"""HTML page routes of the learner's progress pages."""

from django.urls import path

from learning import views

urlpatterns = [
    path("courses/<str:slug>/", views.course_page, name="course-page"),
    path("my/", views.my_learning, name="my-learning"),
]
