"""The certificate is issued when the learner's last requirement completes the course (the
completing heartbeat or explicit completion), not on a later read; once, however many
completions race."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection

from assessments.credentials import issuer_key_create
from assessments.documents import Certificate
from assessments.tests.test_certificates import _pass_quiz
from assessments.tests.test_completion import _watch
from catalog.access import lesson_facts_get
from devtools.api_world import ApiWorld, api_world_build
from tracking.events import LessonCompleted, lesson_completed_listener_register
from tracking.services import progress_mark_complete


@pytest.fixture
def world(settings) -> ApiWorld:
    settings.CERTIFICATE_ISSUER_KEY_ID, settings.CERTIFICATE_ISSUER_PRIVATE_KEY = (
        issuer_key_create()
    )
    settings.SITE_URL = "https://learn.example"
    return api_world_build()


def _certificate_mails() -> list:
    return [message for message in mail.outbox if "certificate" in message.subject]


@pytest.mark.django_db
@pytest.mark.parametrize("live_state", [True, False], ids=["redis-live-state", "mongodb-direct"])
def test_the_completing_heartbeat_issues_the_certificate_without_a_read(
    world: ApiWorld, settings, live_state: bool
):
    settings.PROGRESS_LIVE_STATE = live_state
    user_id = world.users["enrolled"].id
    _pass_quiz(world)
    progress_mark_complete(user_id=user_id, lesson=lesson_facts_get(lesson_id=world.text_lesson.id))
    _watch(world, world.preview_lesson)
    assert Certificate.objects.count() == 0  # one video still to watch
    _watch(world, world.video_lesson)  # its last beat completes the course
    [certificate] = Certificate.objects(user_id=user_id)
    assert certificate.course_version == 1
    [message] = _certificate_mails()
    assert message.to == [world.users["enrolled"].email]
    # Completing again (explicitly, or by reading the completion) issues and mails nothing.
    progress_mark_complete(user_id=user_id, lesson=lesson_facts_get(lesson_id=world.text_lesson.id))
    response = world.client_for("enrolled").get(f"/api/v1/courses/{world.course.slug}/completion")
    assert response.json()["certificate_id"] == str(certificate.id)
    assert Certificate.objects.count() == 1
    assert len(_certificate_mails()) == 1


@pytest.mark.django_db
def test_only_the_beat_that_completes_the_lesson_emits_the_event(world: ApiWorld):
    seen: list[LessonCompleted] = []
    lesson_completed_listener_register("test.seen", seen.append)
    try:
        _watch(world, world.video_lesson)  # many beats, one of them completes the lesson
    finally:
        from tracking import events

        events._listeners.pop("test.seen", None)
    assert seen == [
        LessonCompleted(
            user_id=world.users["enrolled"].id,
            lesson_id=str(world.video_lesson.id),
            course_id=str(world.course.id),
            course_slug=world.course.slug,
        )
    ]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_completions_issue_one_certificate_and_one_mail(world: ApiWorld):
    user_id = world.users["enrolled"].id
    _pass_quiz(world)
    _watch(world, world.preview_lesson)
    _watch(world, world.video_lesson)
    assert Certificate.objects.count() == 0  # the reading lesson is the last requirement
    facts = lesson_facts_get(lesson_id=world.text_lesson.id)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def complete() -> None:
        try:
            barrier.wait(timeout=10)
            progress_mark_complete(user_id=user_id, lesson=facts)
        except BaseException as exc:  # reported below, with the thread's own error
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert Certificate.objects(user_id=user_id).count() == 1
    assert len(_certificate_mails()) == 1
