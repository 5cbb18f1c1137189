from django.core.management.base import BaseCommand, CommandError

from accounts.roles import Role
from accounts.services import user_set_role
from learnstream.errors import ApplicationError


class Command(BaseCommand):
    help = "Set a user's role (admin, instructor, student) and the admin flags that go with it."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args, email: str, role: str, **options):
        try:
            user = user_set_role(email=email, role=role)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now {user.role}."))
