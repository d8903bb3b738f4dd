"""GET /api/books/?page=&size=: an async JSON view, called with Django's AsyncClient."""

from django.test import TestCase

from sample_project.contracts import AsyncOrmResult
from sample_project.library.models import Author, Book
from sample_project.library.schemas import BookOut


class BookListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        jemisin = Author.objects.create(name="N. K. Jemisin")
        Book.objects.bulk_create(
            [Book(title=f"Book {n}", author=jemisin if n < 3 else None, pages=100 + n) for n in range(1, 26)]
        )

    async def test_a_page_is_the_guides_async_orm_result_in_camel_case(self):
        response = await self.async_client.get("/api/books/", {"page": 2, "size": 10})
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data", "count", "hasNext", "executionTime"}
        page = AsyncOrmResult[BookOut].model_validate(body)
        assert [book.title for book in page.data] == [f"Book {n}" for n in range(11, 21)]
        assert (page.count, page.has_next) == (25, True)
        assert isinstance(body["executionTime"], float) and body["executionTime"] >= 0
        first = body["data"][0]
        assert isinstance(first.pop("id"), int)  # ids depend on earlier tests' rows
        assert first == {"title": "Book 11", "author": None, "publishedDate": None, "pages": 111}

    async def test_defaults_are_page_1_of_10(self):
        body = (await self.async_client.get("/api/books/")).json()
        assert [b["title"] for b in body["data"]] == [f"Book {n}" for n in range(1, 11)]
        assert body["data"][0]["author"] == "N. K. Jemisin"

    async def test_the_last_page_has_no_next(self):
        body = (await self.async_client.get("/api/books/?page=3&size=10")).json()
        assert (len(body["data"]), body["hasNext"]) == (5, False)

    async def test_bad_page_or_size_is_a_400_naming_each_problem(self):
        cases = {
            "?page=0": ("page", "Input should be greater than or equal to 1", "0"),
            "?page=abc": ("page", "Input should be a valid integer, unable to parse string as an integer", "abc"),
            "?size=0": ("size", "Input should be greater than or equal to 1", "0"),
            "?size=101": ("size", "Input should be less than or equal to 100", "101"),
            "?page=4&size=10": (
                "page", "Page 4 is past the last page: 25 rows make 3 pages of this size. Ask for page 1 to 3.", "4",
            ),
            "?pgae=2": ("pgae", "Extra inputs are not permitted", "2"),
            "?page=1&page=2": ("page", "Input should be a valid integer", ["1", "2"]),
        }  # fmt: skip
        for query, (field, message, given) in cases.items():
            with self.subTest(query=query):
                response = await self.async_client.get("/api/books/" + query)
                assert response.status_code == 400
                assert response["Content-Type"] == "application/json"
                assert response.json() == {
                    "error": "invalid query parameters",
                    "problems": [{"field": field, "message": message, "input": given}],
                }
