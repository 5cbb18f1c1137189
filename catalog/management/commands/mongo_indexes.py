"""Create every MongoDB index declared on the documents (a deploy step in production,
where auto_create_index is off)."""

from django.core.management.base import BaseCommand

from learnstream.mongo_documents import all_documents


class Command(BaseCommand):
    help = "Create the MongoDB indexes declared on LearnStream's documents."

    def handle(self, *args, **options):
        for document in all_documents():
            document.ensure_indexes()
            self.stdout.write(f"indexes ensured: {document._get_collection_name()}")
