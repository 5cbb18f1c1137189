"""Delete refresh-token records that can never matter again.

A row is deleted once it expired, or was revoked, more than `--days` days ago (default 7,
kept for a week of incident forensics: which IP/user agent held a stolen family). Consumed
rows of live families are kept: they are how a replayed token is recognised as theft.

Scheduling: run it daily, e.g. from cron or a Kubernetes CronJob:

    17 3 * * *  cd /srv/learnstream && python manage.py purge_refresh_tokens --days 7

The table grows by one row per sign-in and per refresh (about one per active client every
access-token lifetime); a daily purge keeps it at roughly (REFRESH_TOKEN_LIFETIME + days)
worth of rows. It is safe to run concurrently with traffic and idempotent.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from accounts.services import refresh_tokens_purge


class Command(BaseCommand):
    help = "Delete refresh-token records expired or revoked more than --days days ago."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="grace period in days (>= 0)")

    def handle(self, *args, days: int, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        deleted = refresh_tokens_purge(older_than=timedelta(days=days))
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} refresh-token record(s)."))
