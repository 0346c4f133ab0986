"""Time-bounded calls for sympy work that can run away (simplify, integrate, manualintegrate).

On POSIX, in the main thread (scripts, pytest, Jupyter kernels), the limit is enforced with
``SIGALRM`` / ``setitimer``: sympy is pure Python, so the alarm interrupts it. Elsewhere (another
thread, Windows) the call runs unbounded — callers only pass work that is usually quick.
A limit of 0 or less means "do not even try": the default is returned at once.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class _Timeout(BaseException):
    """A BaseException, so sympy's broad ``except Exception`` blocks do not swallow it."""


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def call_with_timeout(fn: Callable[[], T], seconds: float, default: T) -> tuple[T, bool]:
    """Run ``fn()`` for at most ``seconds``; return ``(result, timed_out)`` (``default`` on timeout).

    Exceptions raised by ``fn`` propagate. Nested calls keep the outer deadline: the inner limit is
    the smaller of the two.
    """
    if seconds <= 0:
        return default, True
    if not _can_alarm():
        return fn(), False
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left < seconds:
        return fn(), False  # the outer alarm fires first and unwinds both
    token = object()

    def _handler(signum, frame):  # noqa: ARG001
        raise _Timeout(token)

    start = time.monotonic()
    old = signal.signal(signal.SIGALRM, _handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(), False
    except _Timeout as exc:
        if exc.args and exc.args[0] is token:
            return default, True
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer_left:  # give the outer deadline back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - start), 1e-4))
