"""Locust user for the ceiling: GET / on the bare Flask hello (bench/load/hello.py)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from locust import FastHttpUser, constant, events, task


@events.init.add_listener
def _loopback_only(environment, **kwargs):
    host = urlsplit(environment.host or "").hostname or ""
    if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
        msg = f"load tests target loopback only, not {host}"
        raise SystemExit(msg)


class Hello(FastHttpUser):
    wait_time = constant(0)

    @task
    def hello(self):
        self.client.get("/", name="hello")
