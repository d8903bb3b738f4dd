"""The library models: relations every ORM lesson relies on."""

import pytest
from django.core.management import call_command

from sample_project.library.models import Author, Book, Tag


@pytest.mark.django_db
def test_reverse_foreign_key_can_remove_because_it_is_nullable():
    author = Author.objects.create(name="N. K. Jemisin")
    book = Book.objects.create(title="The Fifth Season", author=author)
    author.books.remove(book)
    book.refresh_from_db()
    assert book.author is None


@pytest.mark.django_db
def test_deleting_an_author_keeps_the_books():
    author = Author.objects.create(name="Ted Chiang")
    Book.objects.create(title="Exhalation", author=author)
    author.delete()
    assert Book.objects.get().author is None


@pytest.mark.django_db
def test_tags_are_many_to_many():
    book = Book.objects.create(title="Dune")
    book.tags.set([Tag.objects.create(name="desert"), Tag.objects.create(name="spice")])
    assert sorted(book.tags.values_list("name", flat=True)) == ["desert", "spice"]
    assert str(book) == "Dune"


@pytest.mark.django_db
def test_committed_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
