"""Create an API token for a user and print its key (shown once): `create_api_token marine "BI"`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.tokens import token_create


class Command(BaseCommand):
    help = "Create a named API token for a user and print the key (it is stored only as a SHA-256 digest)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'Web form'")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        try:
            created = token_create(user=user, name=name)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(created.key)
