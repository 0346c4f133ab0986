"""The harness's view of the program: a channel to one test's worker process and proxies for its objects
(stdlib only; runs inside the sandbox, in the trusted harness).

A test such as ``assert candidate(2) == 4`` is evaluated by the harness; ``candidate`` here is a
:class:`RemoteObject`, and calling it sends the arguments to the worker and returns the worker's answer
as plain data. So the comparison, ``abs``, ``all``, ``isinstance`` and ``AssertionError`` in a test are
the harness's own, never the program's, and a returned object with a rigged ``__eq__`` stays in the
worker: here it is an opaque proxy that equals nothing but itself.

Failures of the program that no test may catch (timeouts, memory, exits, a dead or garbled worker)
raise :class:`ProgramFailure`, a ``BaseException``, so ``except Exception`` in a test cannot swallow them.
"""

from __future__ import annotations

import builtins

try:
    from . import wire
except ImportError:  # run as a plain script inside the sandbox
    import wire


class ProgramFailure(BaseException):
    """The program could not answer: the test's verdict is ``verdict`` (not ``failed``)."""

    verdict = "error"


class ProgramTimeout(ProgramFailure):
    verdict = "timeout"


class ProgramMemory(ProgramFailure):
    verdict = "memory"


class ProgramGone(ProgramFailure):
    """The worker closed its channel or died; the harness asks the loader why."""


class ProgramError(Exception):
    """An exception of a type that is not a builtin one, raised by the program (``Type: message``)."""


_BUILTIN_EXCEPTIONS = {name: obj for name, obj in vars(builtins).items()
                       if isinstance(obj, type) and issubclass(obj, Exception)}


def rebuild_exception(name: str, message: str) -> BaseException:
    """The harness-side exception for one the program raised: a builtin type by name, else ProgramError."""
    if name == "MemoryError":
        return ProgramMemory("MemoryError" + (f": {message}" if message else ""))
    cls = _BUILTIN_EXCEPTIONS.get(name)
    if cls is not None:
        try:
            return cls(message)
        except Exception:  # noqa: BLE001 - a builtin needing more arguments (UnicodeDecodeError)
            pass
    return ProgramError(f"{name}: {message}")


class Channel:
    """Requests to one worker over a stream socket, each answered before ``deadline`` (monotonic s)."""

    def __init__(self, fd: int, deadline: float, max_bytes: int, max_items: int) -> None:
        self.fd = fd
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_items = max_items

    def _export(self, obj: object) -> wire.Handle:
        if isinstance(obj, RemoteObject) and object.__getattribute__(obj, "_sbx_channel") is self:
            return object.__getattribute__(obj, "_sbx_handle")
        raise TypeError(f"a test cannot pass a {type(obj).__name__} to the program")

    def proxy(self, handle: wire.Handle) -> RemoteObject:
        """The proxy for a handle the program sent."""
        return RemoteObject(self, handle)

    def request(self, *request: object) -> object:
        """Send one request and return the worker's value (or raise what it raised)."""
        try:
            payload = wire.dumps(request, self._export)
        except wire.WireError as exc:
            raise TypeError(str(exc)) from None
        try:
            wire.write_frame(self.fd, payload)
            data = wire.read_frame(self.fd, self.deadline, self.max_bytes)
        except wire.Timeout:
            raise ProgramTimeout("the test did not finish in time") from None
        except (wire.Closed, OSError):
            raise ProgramGone("the program's process ended during the test") from None
        except wire.WireError as exc:
            raise ProgramFailure(f"unusable answer from the program: {exc}") from None
        try:
            reply = wire.loads(data, self.proxy, self.max_items)
        except wire.WireError as exc:
            raise ProgramFailure(f"unusable answer from the program: {exc}") from None
        if type(reply) is tuple and len(reply) == 2 and reply[0] == "ok":
            return reply[1]
        if type(reply) is tuple and len(reply) == 3 and reply[0] == "raise" and \
                type(reply[1]) is str and type(reply[2]) is str:
            raise rebuild_exception(reply[1], reply[2])
        if type(reply) is tuple and len(reply) == 2 and reply[0] == "exit":
            raise ProgramFailure(f"the program called exit({reply[1]!r}) during the test")
        raise ProgramFailure("unusable answer from the program: not a reply")


class RemoteObject:
    """An object that lives in the program's process: tests can call it and read its attributes."""

    __slots__ = ("_sbx_channel", "_sbx_handle")

    def __init__(self, channel: Channel, handle: wire.Handle) -> None:
        object.__setattr__(self, "_sbx_channel", channel)
        object.__setattr__(self, "_sbx_handle", handle)

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._sbx_channel.request("call", self, args, kwargs)

    def __getattr__(self, name: str) -> object:
        if name.startswith("_sbx_"):
            raise AttributeError(name)
        return self._sbx_channel.request("getattr", self, name)

    def __setattr__(self, name: str, value: object) -> None:
        raise TypeError("a test cannot change the program's objects")

    def __repr__(self) -> str:
        return f"<the program's {self._sbx_handle.kind} object>"
