"""Loaded by every Python process of `make test-clock` (PYTHONPATH=tests/clock).

Under libfaketime 0.9.10, Python 3.11's time.sleep, which waits on an absolute monotonic
deadline (clock_nanosleep), fails with EINVAL; select() waits the same time and works. As a
sitecustomize it applies to pytest and to every process the tests start (`flask scheduler
run`, the mail sender, servers), not only to forks of the test process.
"""

import os
import select
import time

if "FAKETIME" in os.environ:

    def _sleep(seconds: float) -> None:
        select.select([], [], [], seconds)

    time.sleep = _sleep
