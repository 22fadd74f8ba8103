#!/usr/bin/env python3
"""Runs `meetupctl --home HOME pin set` on a pseudo-terminal and types the given entries at its prompts.

usage: tty_pin_set.py MEETUPCTL HOME ENTRY...
Prints what the terminal showed, then `exit=N` on the last line. Gives up (and kills the child) after 30 s,
so that a hang is a failure, not a stuck test run.
"""
import os
import pty
import select
import signal
import sys
import time

meetupctl, home, entries = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(meetupctl, [meetupctl, "--home", home, "pin", "set"])

deadline = time.time() + 30
shown = b""


def read_some():
    """Reads what the terminal has within the deadline; returns False at end of output or time."""
    global shown
    remaining = deadline - time.time()
    if remaining <= 0:
        return False
    ready, _, _ = select.select([fd], [], [], remaining)
    if not ready:
        return False
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        return False
    shown += chunk
    return bool(chunk)


for entry in entries:
    # Wait for a prompt (it ends with ": ") before typing, as a person would.
    while not shown.rstrip().endswith(b":"):
        if not read_some():
            break
    os.write(fd, entry.encode() + b"\n")
    shown += b"|"
while read_some():
    pass
if time.time() >= deadline:
    os.kill(pid, signal.SIGKILL)
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode(errors="replace"))
sys.stdout.write("\nexit=%d\n" % os.waitstatus_to_exitcode(status))
