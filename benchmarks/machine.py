"""Which machine a benchmark ran on, for the tables and the README."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU model name, from /proc/cpuinfo where there is one."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def describe(*versions: str, memory: bool = False) -> str:
    """CPU, cores, (memory), Python, the given package versions, and the OS."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parts = [f"{cpu_model()}, {os.cpu_count()} cores ({usable} usable)"]
    if memory:
        parts.append(f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB")
    parts += [f"Python {platform.python_version()}", *versions,
              f"{platform.system()} {platform.release()}"]
    return ", ".join(parts)
