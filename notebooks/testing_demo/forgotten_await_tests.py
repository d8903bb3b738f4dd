"""Lesson 09: three tests that forget an `await`, each with its warning filters as a mark."""

import pytest


async def asave():  # stands in for an a-method such as Author.objects.acreate
    return "saved"


@pytest.mark.filterwarnings("error::RuntimeWarning")
async def test_with_runtime_warning_as_error():
    asave()  # no await


@pytest.mark.filterwarnings("error::RuntimeWarning", "error::pytest.PytestUnraisableExceptionWarning")
async def test_with_both_as_errors():
    asave()  # no await


@pytest.mark.filterwarnings("error::RuntimeWarning", "error::pytest.PytestUnraisableExceptionWarning")
def test_sync_code_with_both_as_errors():
    asave()  # no await
