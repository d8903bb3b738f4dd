"""``stop_servers()``: a lesson's last cell ends whatever the kernel started, whichever cells ran.

Each test runs in a fresh interpreter: ``stop_servers()`` ends everything the
process started, and this test process shares servers between tests.
"""


def test_stop_servers_ends_every_server_started_and_is_safe_to_repeat(run_python):
    result = run_python("""
        import workbench
        from workbench.services import is_listening

        endpoint = workbench.local_endpoint()
        redis_server = workbench.start_redis()
        stopped = workbench.stop_servers()
        assert stopped == [endpoint, redis_server], stopped  # sorted by repr
        assert not is_listening("127.0.0.1", redis_server.port) and not is_listening("127.0.0.1", endpoint.port)
        print(stopped)
        print(workbench.stop_servers())  # nothing left, nothing raised
    """)
    assert result.stdout.splitlines() == [
        "[<LocalEndpoint http closed>, <LocalService redis on 127.0.0.1 (stopped)>]",
        "[]",
    ]


def test_stop_servers_with_nothing_started_does_nothing(run_python):
    assert run_python("import workbench; print(workbench.stop_servers())").stdout.strip() == "[]"


def test_a_server_its_own_code_stopped_is_not_listed_again(run_python):
    result = run_python("""
        import workbench

        with workbench.local_endpoint():
            pass  # stopped by its with block
        workbench.start_redis().close()
        kept = workbench.local_endpoint()
        print(workbench.stop_servers() == [kept])
    """)
    assert result.stdout.strip() == "True"
