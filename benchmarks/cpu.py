"""Which process holds the machine during a measurement: CPU time of every service of the local
stack (each with its descendants) and of the benchmark itself, between two snapshots, as a share
of one core over the time between them."""

from __future__ import annotations

import os
import time
from pathlib import Path

from gmall_rt.config import Config
from gmall_rt.stack.manager import Stack, process_trees

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: set[int]) -> float:
    """User and system CPU seconds of ``pids`` so far (a process gone meanwhile counts nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / CLOCK_TICKS


def _machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has spent on anything but idling and waiting on I/O."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class CpuShares:
    """CPU use per process between :meth:`start` and :meth:`stop` (call ``stop`` as often as you
    like: each call moves the end of the span)."""

    def __init__(self, config: Config):
        stack = Stack(config)
        self.roots = {service.name: stack.supervisor.pid(service.name) for service in stack.services}
        self.roots["benchmark"] = os.getpid()
        self.first: tuple[float, float, dict[str, float]] | None = None
        self.last: tuple[float, float, dict[str, float]] | None = None

    def _snapshot(self) -> tuple[float, float, dict[str, float]]:
        roots = {name: pid for name, pid in self.roots.items() if pid}
        trees = process_trees(list(roots.values()))  # /proc read once per snapshot, not once per service
        used = {name: _cpu_seconds(trees[pid]) for name, pid in roots.items()}
        return time.monotonic(), _machine_busy_seconds(), used

    def start(self) -> None:
        self.first = self.last = self._snapshot()

    def stop(self) -> None:
        self.last = self._snapshot()

    def describe(self) -> str:
        """'name NN%' per process, busiest first (100% is one core), and the machine's total."""
        if self.first is None or self.last is None or self.last[0] <= self.first[0]:
            return "no CPU measured"
        elapsed = self.last[0] - self.first[0]
        shares = {name: (used - self.first[2].get(name, used)) / elapsed * 100 for name, used in self.last[2].items()}
        machine = (self.last[1] - self.first[1]) / elapsed * 100
        busiest = sorted(shares.items(), key=lambda item: -item[1])
        listed = ", ".join(f"{name} {share:.0f}%" for name, share in busiest if share >= 1)
        return f"CPU (100% = one core of {os.cpu_count()}) over {elapsed:.0f} s: machine {machine:.0f}%; {listed}"
