"""Learner tokens: a signed name that only this server's SECRET_KEY makes."""

import pytest
from django.core.management import CommandError, call_command

from sample_project.progress.tokens import InvalidToken, learner_from_token, learner_token


def test_a_token_names_its_learner_and_nobody_else():
    token = learner_token("ada")
    assert token.startswith("ada:")
    assert learner_from_token(token) == "ada"
    forged = "bob:" + token.partition(":")[2]  # the signature of another name
    with pytest.raises(InvalidToken, match="signature does not match"):
        learner_from_token(forged)


def test_a_token_from_another_secret_key_is_refused():
    elsewhere = learner_token("ada", key="another-servers-secret-key-0123456789")
    assert learner_from_token(elsewhere, key="another-servers-secret-key-0123456789") == "ada"
    with pytest.raises(InvalidToken, match="another SECRET_KEY"):
        learner_from_token(elsewhere)


@pytest.mark.parametrize("name", ["", "two words", "a:b", "x" * 151, "<script>"])
def test_names_that_cannot_be_a_learners_are_refused(name):
    with pytest.raises(ValueError, match="is not allowed"):
        learner_token(name)


@pytest.mark.parametrize("token", [None, 7, "", "x" * 401, "no-signature"])
def test_what_is_not_a_token_is_refused(token):
    with pytest.raises(InvalidToken):
        learner_from_token(token)


def test_the_command_prints_one_token_per_learner(capsys):
    call_command("progress_tokens", "ada", "grace")
    out, err = capsys.readouterr()
    lines = [line.split("\t") for line in out.splitlines()]
    assert [name for name, _ in lines] == ["ada", "grace"]
    assert all(learner_from_token(token) == name for name, token in lines)
    assert "development key" in err  # the tests run on the development SECRET_KEY
    with pytest.raises(CommandError, match="is not allowed"):
        call_command("progress_tokens", "two words")
