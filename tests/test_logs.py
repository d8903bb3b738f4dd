"""``capture_log()``: what one logger says inside a block, from any thread; the logger restored after."""

import logging
import threading

import pytest

import workbench


def test_debug_records_are_caught_from_other_threads_and_the_level_is_restored():
    logger = logging.getLogger("workbench-test.capture")
    logger.setLevel(logging.INFO)
    with workbench.capture_log("workbench-test.capture") as log:
        logger.debug("from %s", "this thread")
        thread = threading.Thread(target=logger.debug, args=("from another thread",))
        thread.start()
        thread.join()
        logger.info("and an info line")
    logger.debug("after the block")  # not caught: the capture is closed
    assert log.messages == ["from this thread", "from another thread", "and an info line"]
    assert [record.levelname for record in log.records] == ["DEBUG", "DEBUG", "INFO"]
    assert logger.level == logging.INFO and log not in logger.handlers
    assert repr(log) == "<LogCapture 'workbench-test.capture': 3 records>"


def test_a_level_by_name_and_a_logger_that_already_says_more():
    logger = logging.getLogger("workbench-test.levels")
    logger.setLevel(logging.DEBUG)
    with workbench.capture_log("workbench-test.levels", level="warning") as log:
        logger.info("too quiet")
        logger.warning("caught")
    assert log.messages == ["caught"]
    assert logger.level == logging.DEBUG  # not raised to WARNING, and left as it was


def test_django_request_says_which_middleware_it_adapted():
    workbench.setup()
    from django.core.handlers.asgi import ASGIHandler
    from django.test import override_settings

    sync_only = "sample_project.streams.middleware.sync_only_server_timing"
    with override_settings(DEBUG=True, MIDDLEWARE=[sync_only]), workbench.capture_log() as log:
        ASGIHandler()
    assert log.messages == [f"Asynchronous handler adapted for middleware {sync_only}."]
    assert logging.getLogger("django.request").level == logging.NOTSET  # as Django's logging left it


def test_bad_arguments_and_reuse_say_what_to_do():
    with pytest.raises(ValueError, match="not a logging level"):
        workbench.capture_log("x", level="LOUD")
    with pytest.raises(ValueError, match="a logger's name"):
        workbench.capture_log("")
    capture = workbench.capture_log("workbench-test.reuse")
    with capture, pytest.raises(workbench.WorkbenchError, match="already open"):
        capture.__enter__()
