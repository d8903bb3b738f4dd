"""Authors, books and tags: enough relations for every async ORM lesson.

* ``Book.author`` is a nullable foreign key, so the reverse manager
  ``author.books`` has ``aremove``/``aclear`` (Django offers them only when
  the key can be NULL).
* ``Book.tags`` is a many-to-many relation (``aadd``/``aremove``/``aset``/``aclear``).
"""

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True)

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="books"
    )
    published_date = models.DateField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    tags = models.ManyToManyField(Tag, blank=True, related_name="books")

    def __str__(self) -> str:
        return self.title
