"""Time-bounded calls for sympy work that can run away (simplify, integrate, manualintegrate).

On POSIX, in the main thread (scripts, pytest, Jupyter kernels), the limit is enforced with an interval
timer (``setitimer``): sympy is pure Python, so the signal interrupts it. The default clock is the process's
CPU time (``ITIMER_PROF``), so whether a search "timed out" (an antiderivative found, a difficulty score, a
fingerprint) does not depend on how busy the machine is, only on the work and the CPU's speed. Elsewhere (another
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


_CLOCKS = {  # clock name -> (interval timer, its signal, the matching clock of this process)
    "cpu": ("ITIMER_PROF", "SIGPROF", time.process_time),
    "wall": ("ITIMER_REAL", "SIGALRM", time.monotonic),
}


def call_with_timeout(fn: Callable[[], T], seconds: float, default: T, clock: str = "cpu") -> tuple[T, bool]:
    """Run ``fn()`` for at most ``seconds``; return ``(result, timed_out)`` (``default`` on timeout).

    ``clock="cpu"`` (default) counts this process's CPU time, so a loaded machine (another job on the cores)
    does not turn a search that finishes into a timeout; ``"wall"`` counts elapsed time. Exceptions raised by
    ``fn`` propagate. Nested calls on one clock keep the outer deadline: the inner limit is the smaller.
    """
    if clock not in _CLOCKS:
        raise ValueError(f"unknown clock {clock!r} (cpu or wall)")
    if seconds <= 0:
        return default, True
    if not _can_alarm():
        return fn(), False
    timer_name, signal_name, now = _CLOCKS[clock]
    timer, signum = getattr(signal, timer_name), getattr(signal, signal_name)
    outer_left, _ = signal.getitimer(timer)
    if outer_left and outer_left < seconds:
        return fn(), False  # the outer alarm fires first and unwinds both
    token = object()

    def _handler(signum, frame):  # noqa: ARG001
        raise _Timeout(token)

    start = now()
    old = signal.signal(signum, _handler)
    signal.setitimer(timer, seconds)
    try:
        return fn(), False
    except _Timeout as exc:
        if exc.args and exc.args[0] is token:
            return default, True
        raise
    finally:
        signal.setitimer(timer, 0)
        signal.signal(signum, old)
        if outer_left:  # give the outer deadline back what is left of it
            signal.setitimer(timer, max(outer_left - (now() - start), 1e-4))
