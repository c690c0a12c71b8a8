"""What a process tree costs in memory and CPU, read from Linux's ``/proc`` (for ``bench.load``).

RSS counts every page a process maps, so pages that the gunicorn master and its workers share
(the language detector's models, loaded once before the fork) are counted again in every
worker. PSS (proportional set size, ``/proc/PID/smaps_rollup``) divides each shared page
among the processes that map it: the sum of the PSS of a server's processes is what the
server costs the machine, and one worker's PSS is its share of it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

PAGE_FIELDS = {"Rss": "rss", "Pss": "pss", "Private_Clean": "private_clean", "Private_Dirty": "private_dirty",
               "Shared_Clean": "shared_clean", "Shared_Dirty": "shared_dirty"}


@dataclass(frozen=True)
class Memory:
    """One process's memory in MB (1,048,576 bytes)."""

    rss: float
    pss: float
    private: float  # pages only this process maps (clean and dirty)
    shared: float  # pages it shares with another process (the master's, its siblings', files')


def memory(pid: int) -> Memory:
    """*pid*'s memory from ``/proc/PID/smaps_rollup`` (Linux 4.14 and later)."""
    found = dict.fromkeys(PAGE_FIELDS.values(), 0.0)
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            name, _, rest = line.partition(":")
            if name in PAGE_FIELDS:
                found[PAGE_FIELDS[name]] = int(rest.split()[0]) / 1024
    return Memory(found["rss"], found["pss"], found["private_clean"] + found["private_dirty"],
                  found["shared_clean"] + found["shared_dirty"])


def children(pid: int) -> list[int]:
    """The processes *pid* started and that still run (a gunicorn master's workers)."""
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listed:
                found += [int(child) for child in listed.read().split()]
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime and stime (fields 14 and 15 of proc(5))
    return total / ticks


def print_table(title: str, master: int, workers: list[int]) -> list[tuple[str, Memory]]:
    """Print the master's and each worker's memory; return them (name, memory)."""
    rows = [("master", memory(master))] + [(f"worker {n}", memory(pid)) for n, pid in enumerate(workers, 1)]
    print(f"memory {title}: {'PSS':>8} {'RSS':>8} {'private':>8} {'shared':>8}  (MB)")
    for name, mem in rows:
        print(f"  {name:<10}{mem.pss:>16.1f} {mem.rss:>8.1f} {mem.private:>8.1f} {mem.shared:>8.1f}")
    total = sum(mem.pss for _name, mem in rows)
    print(f"  {'server':<10}{total:>16.1f}  (the sum of PSS: what the server costs the machine)", flush=True)
    return rows
