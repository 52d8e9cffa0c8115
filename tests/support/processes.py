"""Child processes that a test interrupts with SIGINT, as a person pressing Ctrl-C would."""

from __future__ import annotations

import signal


def interruptible() -> None:
    """`preexec_fn` of a child a test interrupts: SIGINT back to its default disposition.

    A background job of a non-interactive shell (`cmd &` in a CI script) starts with SIGINT
    ignored, and every process it starts inherits that, so without this the Ctrl-C tests would
    fail there while the code under test is right.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
