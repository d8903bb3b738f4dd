"""What the library's JSON API sends: Pydantic models read straight from ORM rows.

Like the shared contracts, camelCase on the wire (``publishedDate``); the
TypeScript twin ``Book`` is generated into ``sample_project/static/types.ts``.
"""

from __future__ import annotations

from datetime import date

from pydantic import AliasChoices, AliasPath, ConfigDict, Field

from sample_project.contracts import Contract


class BookOut(Contract):
    """A book as the API sends it; every field is always present (null when unknown)."""

    model_config = ConfigDict(title="Book", from_attributes=True)

    id: int
    title: str
    # From a Book row: book.author.name (load it with select_related("author")).
    author: str | None = Field(
        validation_alias=AliasChoices(AliasPath("author", "name"), "author"),
        description="The author's name",
    )
    published_date: date | None = Field(description="ISO 8601 date")
    pages: int = Field(ge=0)
