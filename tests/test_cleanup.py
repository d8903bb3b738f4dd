"""``stop_servers()``: a lesson's last cell ends whatever the kernel started, whichever cells ran."""

import workbench
from workbench.services import is_listening


def test_stop_servers_ends_every_server_started_and_is_safe_to_repeat():
    endpoint = workbench.local_endpoint()
    redis_server = workbench.start_redis()
    stopped = workbench.stop_servers()
    assert stopped == [endpoint, redis_server]
    assert repr(redis_server) == "<LocalService redis on 127.0.0.1 (stopped)>"
    assert repr(endpoint) == "<LocalEndpoint http closed>"
    assert not is_listening("127.0.0.1", redis_server.port) and not is_listening("127.0.0.1", endpoint.port)
    assert workbench.stop_servers() == []  # nothing left, nothing raised


def test_stop_servers_with_nothing_started_does_nothing():
    assert workbench.stop_servers() == []
