"""eastwest on a real pseudo-terminal, for what depends on isatty: colour and the apply prompt."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time


def on_a_pty(
    args: list[str], env: dict[str, str], answer: str | None = None, timeout: float = 60.0
) -> tuple[int, str]:
    """Run ``python -m orchestrator ARGS`` with stdin, stdout and stderr on one pty, NO_COLOR
    unset unless ``env`` sets it; type ``answer`` at the apply prompt. Returns the exit code
    and what the terminal showed."""
    leader, follower = pty.openpty()
    clean = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
        env={**clean, **env},
    )
    os.close(follower)
    screen, answered, deadline = b"", False, time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the pty
                break
            if not chunk:
                break
            screen += chunk
        if answer is not None and not answered and b"Enter a value" in screen:
            os.write(leader, answer.encode() + b"\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    code = proc.wait(timeout=10)
    os.close(leader)
    return code, screen.decode(errors="replace")
