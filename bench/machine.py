"""What every benchmark prints about the machine it ran on."""

import os
import platform
from pathlib import Path


def describe(*extra: str) -> str:
    """Platform, CPU model and count, memory, Python, load average, then ``extra``."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        memory_text = f"{memory:.0f} GiB"
    except (ValueError, OSError):
        memory_text = "? GiB"
    parts = [
        platform.platform(),
        cpu,
        f"{os.cpu_count()} cores",
        memory_text,
        f"Python {platform.python_version()}",
        *extra,
        "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()),
    ]
    return "; ".join(parts)
