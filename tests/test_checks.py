"""``workbench.check``: ✔ or "Not yet" with a hint, for sync and async probes."""

import asyncio

import pytest
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.testing import WebsocketCommunicator

import workbench
from workbench.checks import PendingCheck


def test_a_right_answer_prints_one_line_and_is_truthy(capsys):
    result = workbench.check("two and two make four", lambda: 2 + 2, expected=4, hint="add them")
    assert capsys.readouterr().out == "✔ Correct: two and two make four\n"
    assert result and result.passed


def test_a_wrong_answer_says_what_was_expected_and_found_and_gives_the_hint(capsys):
    result = workbench.check("the titles", ["B", "A"], expected=["A", "B"], hint="order them")
    assert capsys.readouterr().out == (
        "✘ Not yet: the titles\n"
        "    expected: ['A', 'B']\n"
        "    found:    ['B', 'A']\n"
        "    hint: order them\n"
    )
    assert not result


def test_under_nbgrader_a_not_yet_goes_to_stderr_so_nbgrader_scores_its_cell_nothing(capsys, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert workbench.check("right", 4, expected=4, hint="h")
    assert not workbench.check("wrong", 5, expected=4, hint="count again")
    captured = capsys.readouterr()
    assert captured.out == "✔ Correct: right\n"
    assert captured.err == "✘ Not yet: wrong\n    expected: 4\n    found:    5\n    hint: count again\n"


def test_values_that_look_alike_show_their_types(capsys):
    workbench.check("a number", "3", expected=3, hint="return an int")
    out = capsys.readouterr().out
    assert "expected: int 3" in out and "found:    str '3'" in out


def test_a_stub_is_reported_as_not_written_yet_with_where_it_is(capsys):
    def answer():
        raise NotImplementedError()

    workbench.check("the answer", answer, expected=42, hint="write it")
    out = capsys.readouterr().out
    assert out.startswith("✘ Not yet: the answer\n")
    assert "not written yet (in answer(), test_checks.py line" in out
    assert "replace `raise NotImplementedError()` with your code." in out
    assert out.endswith("    hint: write it\n")


def test_any_other_error_is_named_not_raised(capsys):
    workbench.check("parsing", lambda: int("seven"), expected=7, hint="use digits")
    out = capsys.readouterr().out
    assert "your code raised ValueError: invalid literal for int() with base 10: 'seven'" in out
    assert "Traceback" not in out


PROBES = """
def with_message():
    assert 1 + 1 == 3, "one and one should make three here"


def bare():
    value = 2
    assert value == 3
"""


def test_a_probe_without_expected_passes_unless_its_assert_fails(capsys, tmp_path):
    # Written to a module of its own: pytest rewrites the asserts of test modules.
    import importlib.util

    (tmp_path / "probes.py").write_text(PROBES)
    spec = importlib.util.spec_from_file_location("probes", tmp_path / "probes.py")
    probes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probes)

    assert workbench.check("nothing raised", lambda: None, hint="h")
    assert not workbench.check("message", probes.with_message, hint="h")
    assert not workbench.check("bare", probes.bare, hint="h")
    out = capsys.readouterr().out
    assert "✘ Not yet: message\n    one and one should make three here\n" in out
    assert "✘ Not yet: bare\n    this condition does not hold: `assert value == 3`\n" in out


def test_reprs_are_short_and_free_of_addresses(capsys):
    workbench.check("an object", object(), expected=list(range(100)), hint="h")
    out = capsys.readouterr().out
    assert "0x…" in out and "0x7" not in out
    assert "...]" in out and "99" not in out


@pytest.mark.parametrize("what, hint", [("", "h"), ("what", ""), ("what", None)])
def test_every_check_needs_a_sentence_and_a_hint(what, hint):
    with pytest.raises(TypeError, match="needs"):
        workbench.check(what, 1, expected=1, hint=hint)


async def test_an_async_probe_runs_on_the_callers_own_loop(capsys):
    loop = asyncio.get_running_loop()

    async def probe():
        await asyncio.sleep(0)
        return asyncio.get_running_loop() is loop

    pending = workbench.check("same loop", probe, expected=True, hint="h")
    assert isinstance(pending, PendingCheck)
    assert capsys.readouterr().out == ""  # nothing runs until it is awaited
    assert "write `await workbench.check(...)`" in repr(pending)
    assert await pending
    assert capsys.readouterr().out == "✔ Correct: same loop\n"


async def test_a_sync_probe_can_be_awaited_too():
    result = await workbench.check("sync", lambda: 1, expected=1, hint="h")
    assert result.passed


def test_an_async_probe_outside_a_loop_runs_to_the_end(capsys):
    async def probe():
        await asyncio.sleep(0)
        return "done"

    assert workbench.check("no loop here", probe, expected="done", hint="h").passed


async def test_an_async_probe_that_never_answers_times_out(capsys):
    never = asyncio.Event()
    result = await workbench.check("an answer", never.wait, hint="set the event", timeout=0.05)
    assert not result
    assert "no answer after 0.05 s" in capsys.readouterr().out


async def test_a_coroutine_returned_as_the_answer_means_a_missing_await(capsys):
    async def inner():
        return 3

    async def forgot_await():
        return inner()

    result = await workbench.check("a count", forgot_await, expected=3, hint="await it")
    assert not result
    assert "missing an `await`" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
async def test_a_check_awaits_orm_queries(capsys, close_orm_worker_connections):
    from sample_project.library.models import Tag

    async def make_tags():
        await Tag.objects.abulk_create([Tag(name="a"), Tag(name="b")])
        return [tag.name async for tag in Tag.objects.order_by("name")]

    assert await workbench.check("tags", make_tags, expected=["a", "b"], hint="h")


@pytest.mark.django_db(transaction=True)
async def test_a_sync_orm_call_in_async_code_gets_its_own_explanation(capsys, close_orm_worker_connections):
    from sample_project.library.models import Tag

    async def count_the_sync_way():
        return Tag.objects.count()

    assert not await workbench.check("count", count_the_sync_way, expected=0, hint="use acount")
    out = capsys.readouterr().out
    assert "your code made a sync database call in async code (in count_the_sync_way()" in out
    assert "SynchronousOnlyOperation" in out and "select_related" in out


@pytest.mark.django_db(transaction=True)
async def test_an_unevaluated_queryset_is_named_not_run(capsys, close_orm_worker_connections):
    from sample_project.library.models import Tag

    assert not await workbench.check("names", lambda: Tag.objects.all(), expected=[], hint="h")
    out = capsys.readouterr().out
    assert "found:    <unevaluated QuerySet of Tag>" in out
    assert "[book async for book in queryset]" in out


class Shout(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content):
        await self.send_json({"text": content["text"].upper()})


class Broken(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content):
        raise NotImplementedError()


class Silent(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content):
        pass


async def talk_to(consumer):
    """Connect to ``consumer`` through a communicator on this loop and say one thing."""
    communicator = WebsocketCommunicator(consumer.as_asgi(), "/ws/shout/")
    connected, _ = await communicator.connect()
    assert connected, "the consumer refused the connection"
    try:
        await communicator.send_json_to({"text": "hello"})
        return await communicator.receive_json_from(timeout=1)
    finally:
        await communicator.disconnect()


async def test_a_check_drives_a_consumer_through_a_communicator(capsys):
    assert await workbench.check("shouts back", lambda: talk_to(Shout), expected={"text": "HELLO"}, hint="h")
    assert capsys.readouterr().out == "✔ Correct: shouts back\n"


async def test_a_consumer_that_fails_or_stays_silent_is_not_yet(capsys):
    assert not await workbench.check("broken", lambda: talk_to(Broken), expected={}, hint="write receive_json")
    assert not await workbench.check("silent", lambda: talk_to(Silent), expected={}, hint="send_json a reply")
    out = capsys.readouterr().out
    assert "✘ Not yet: broken\n    not written yet (in " in out
    assert "✘ Not yet: silent\n    your code raised TimeoutError" in out


CONSUMER_CELL = """
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.testing import WebsocketCommunicator


class Shout(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content):
        await self.send_json({"text": content["text"].upper()})


async def shout(text):
    communicator = WebsocketCommunicator(Shout.as_asgi(), "/ws/shout/")
    await communicator.connect()
    try:
        await communicator.send_json_to({"text": text})
        return await communicator.receive_json_from()
    finally:
        await communicator.disconnect()


await workbench.check("the consumer shouts", lambda: shout("hi"), expected={"text": "HI"}, hint="h")
"""


def test_in_a_kernel_checks_print_once_and_drive_the_orm_and_a_consumer(tmp_path):
    import nbformat

    from workbench.tooling.execution import execute

    cells = [
        "import workbench\nwb = workbench.setup()\nworkbench.check('sync', 1, expected=1, hint='h')",
        "from sample_project.library.models import Tag\n"
        "async def tags():\n    await Tag.objects.acreate(name='t')\n    return await Tag.objects.acount()\n"
        "await workbench.check('the ORM, awaited', tags, expected=1, hint='h')",
        CONSUMER_CELL,
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    execute(notebook, cwd=tmp_path)
    assert [cell.outputs for cell in notebook.cells] == [
        [{"output_type": "stream", "name": "stdout", "text": f"✔ Correct: {what}\n"}]
        for what in ("sync", "the ORM, awaited", "the consumer shouts")
    ]


async def test_a_timeout_inside_the_learners_code_is_named_as_such(capsys):
    async def receive_too_soon():
        await asyncio.wait_for(asyncio.Event().wait(), 0.01)

    assert not await workbench.check("a reply", receive_too_soon, hint="h", timeout=5)
    out = capsys.readouterr().out
    assert "your code raised TimeoutError" in out and "no answer after" not in out
