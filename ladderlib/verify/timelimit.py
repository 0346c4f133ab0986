"""Wall-clock limits for risky work: a SIGALRM timer in the main thread plus a cooperative deadline.

``time_limit(s)`` interrupts pure-Python work (SymPy, mpmath, the parser) after ``s`` seconds by
raising ``TimeLimitExceeded``. Outside the main thread (or without ``setitimer``) signals are not
available; the cooperative ``check_deadline()`` calls inside the verifier's loops still apply.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator

_deadline: list[float] = []  # stack of absolute deadlines (time.monotonic())


class TimeLimitExceeded(BaseException):
    """Raised when a ``time_limit`` block runs past its limit.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that library code catching ``Exception``
    cannot swallow it.
    """


def check_deadline() -> None:
    """Raise ``TimeLimitExceeded`` when the innermost active deadline has passed."""
    if _deadline and time.monotonic() > _deadline[-1]:
        raise TimeLimitExceeded("time limit exceeded")


def _handler(signum: int, frame: object) -> None:
    raise TimeLimitExceeded("time limit exceeded")


def _signals_usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Run the block under a limit of ``seconds`` (None or <= 0: no limit). Nested limits keep the tighter."""
    if seconds is None or seconds <= 0:
        yield
        return
    now = time.monotonic()
    end = now + seconds
    if _deadline:
        end = min(end, _deadline[-1])
    _deadline.append(end)
    use_signal = _signals_usable()
    previous = None
    outer_remaining = 0.0
    if use_signal:
        outer_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        if outer_remaining and outer_remaining <= end - now:
            use_signal = False  # an outer timer fires first; leave it alone
    if use_signal:
        previous = signal.signal(signal.SIGALRM, _handler)
        signal.setitimer(signal.ITIMER_REAL, max(end - now, 1e-4))
    try:
        yield
    finally:
        if use_signal:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
            if outer_remaining:
                signal.setitimer(signal.ITIMER_REAL, max(outer_remaining - (time.monotonic() - now), 1e-4))
        _deadline.pop()
