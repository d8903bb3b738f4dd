"""``expect()``: a demonstration of an error that fails when the error stops happening."""

import pytest

from workbench import ExpectationFailed, expect


def test_prints_the_expected_error_and_swallows_it(capsys):
    with expect(KeyError) as caught:
        {}["missing"]
    assert capsys.readouterr().out == "KeyError: 'missing'\n"
    assert isinstance(caught.value, KeyError)


def test_masks_memory_addresses(capsys):
    class Thing:
        pass

    with expect(TypeError):
        raise TypeError(f"cannot use {Thing()!r}")
    out = capsys.readouterr().out
    assert "0x…" in out and "0x7" not in out


def test_fails_when_nothing_is_raised():
    with pytest.raises(ExpectationFailed, match="finished without an error"):
        with expect(ValueError):
            pass


def test_fails_when_another_error_is_raised():
    with pytest.raises(ExpectationFailed, match="expected ValueError, but KeyError") as info:
        with expect(ValueError):
            raise KeyError("k")
    assert isinstance(info.value.__cause__, KeyError)


def test_fails_when_the_message_does_not_match():
    with pytest.raises(ExpectationFailed, match="does not match"):
        with expect(ValueError, match="^invalid literal"):
            raise ValueError("something else")


def test_accepts_a_tuple_of_types(capsys):
    with expect((KeyError, IndexError)):
        [][1]
    assert capsys.readouterr().out.startswith("IndexError:")


def test_lets_keyboard_interrupt_through():
    with pytest.raises(KeyboardInterrupt):
        with expect(ValueError):
            raise KeyboardInterrupt


async def test_works_as_an_async_context_manager(capsys):
    async def boom():
        raise RuntimeError("event loop is closed")

    async with expect(RuntimeError, match="closed"):
        await boom()
    assert capsys.readouterr().out == "RuntimeError: event loop is closed\n"

    with pytest.raises(ExpectationFailed):
        async with expect(RuntimeError):
            pass


def test_masks_thread_idents_and_drops_c_source_lines(capsys):
    with expect(RuntimeError):
        raise RuntimeError("created in thread id 140211 and this is thread id 139887.")
    with expect(OSError):
        raise OSError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:1006)")
    assert capsys.readouterr().out == (
        "RuntimeError: created in thread id … and this is thread id ….\n"
        "OSError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed\n"
    )


def test_show_replaces_the_printed_text_and_keeps_addresses_masked(capsys):
    class Thing:
        pass

    def explain(exc):
        return f"{len(exc.args)} problem: {exc.args[0]} ({Thing()!r})"

    with expect(ValueError, match="^bad", show=explain) as caught:
        raise ValueError("bad value, see https://example.invalid/v2.11")
    out = capsys.readouterr().out
    assert out.startswith("1 problem: bad value") and out.endswith(")\n")
    assert "ValueError:" not in out
    assert "0x…" in out and "0x7" not in out
    assert isinstance(caught.value, ValueError)


def test_show_still_fails_when_nothing_or_another_error_is_raised(capsys):
    with pytest.raises(ExpectationFailed, match="finished without an error"):
        with expect(ValueError, show=str):
            pass
    with pytest.raises(ExpectationFailed, match="expected ValueError, but KeyError"):
        with expect(ValueError, show=str):
            raise KeyError("k")
    assert capsys.readouterr().out == ""


async def test_show_works_with_async_with(capsys):
    async with expect(RuntimeError, show=lambda exc: f"refused: {exc}"):
        raise RuntimeError("closed")
    assert capsys.readouterr().out == "refused: closed\n"
