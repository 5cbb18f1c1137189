from django.core.management.base import BaseCommand, CommandError

from accounts.deletion import user_delete
from accounts.managers import normalize_email
from accounts.models import User
from learnstream.errors import ApplicationError


def _user_id(identifier: str) -> int:
    """An id, or the id of the account with this email. An id whose row is already gone is
    still accepted: re-running finishes an interrupted deletion."""
    if identifier.isdigit():
        return int(identifier)
    user = User.objects.filter(email=normalize_email(identifier)).first()
    if user is None:
        raise CommandError(f"No user with email {identifier}.")
    return user.pk


class Command(BaseCommand):
    help = (
        "Delete an account and every record carrying its id or email in PostgreSQL and "
        "MongoDB (idempotent: run it again to finish an interrupted deletion)."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="the account's email or numeric id")
        parser.add_argument(
            "--transfer-courses-to",
            metavar="EMAIL|ID",
            help="hand the courses this account owns to another instructor or admin first",
        )

    def handle(self, *args, user: str, transfer_courses_to: str | None = None, **options):
        heir = _user_id(transfer_courses_to) if transfer_courses_to else None
        try:
            result = user_delete(user_id=_user_id(user), transfer_courses_to=heir)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        state = "deleted" if result.user_row_deleted else "was already gone; leftovers erased"
        self.stdout.write(
            self.style.SUCCESS(
                f"Account {result.user_id} {state} (progress documents: "
                f"{result.progress_deleted}, enrolments: {result.enrollments_deleted})."
            )
        )
