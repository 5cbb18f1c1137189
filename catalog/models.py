"""Enrolment (SQL). The course it names lives in MongoDB, referenced by its 24-hex id."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"


class Enrollment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course_id = models.CharField(max_length=24)
    status = models.CharField(
        max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course_id"], name="enrollment_user_course"),
            models.CheckConstraint(
                condition=models.Q(course_id__regex=r"^[0-9a-f]{24}$"),
                name="enrollment_course_id_objectid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in EnrollmentStatus]),
                name="enrollment_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["course_id", "status"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.course_id} ({self.status})"
