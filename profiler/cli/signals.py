"""Ctrl-C and SIGTERM for the commands that build or load (run, tune, payoff)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable


def install_signal_handlers(before_exit: Callable[[], None] | None = None) -> None:
    """SIGTERM acts like Ctrl-C: KeyboardInterrupt, so that the running build's tree is
    killed and the session marked interrupted as the stack unwinds. A second Ctrl-C or
    SIGTERM exits at once, after `before_exit` (payoff kills its servers there)."""

    def first(signum: int, _frame: object) -> None:
        signal.signal(signal.SIGINT, second)
        signal.signal(signal.SIGTERM, second)
        raise KeyboardInterrupt

    def second(signum: int, _frame: object) -> None:
        if before_exit is not None:
            before_exit()
        os._exit(130)

    signal.signal(signal.SIGINT, first)
    signal.signal(signal.SIGTERM, first)
