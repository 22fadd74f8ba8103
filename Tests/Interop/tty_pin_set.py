#!/usr/bin/env python3
"""Runs `meetupctl --home HOME pin set` on a pseudo-terminal and types the given entries at its prompts.

usage: tty_pin_set.py MEETUPCTL HOME ENTRY...
Prints what the terminal showed, then `exit=N` on the last line.
"""
import os
import pty
import sys
import time

meetupctl, home, entries = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(meetupctl, [meetupctl, "--home", home, "pin", "set"])

shown = b""
for entry in entries:
    # Wait for a prompt (it ends with ": ") before typing, as a person would.
    deadline = time.time() + 10
    while not shown.rstrip().endswith(b":") and time.time() < deadline:
        try:
            shown += os.read(fd, 1024)
        except OSError:
            break
    os.write(fd, entry.encode() + b"\n")
    shown += b"|"
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    shown += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode(errors="replace"))
sys.stdout.write("\nexit=%d\n" % os.waitstatus_to_exitcode(status))
