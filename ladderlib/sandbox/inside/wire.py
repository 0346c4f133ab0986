"""Framing and a strict plain-data codec for the sandbox's channels (stdlib only; runs inside the sandbox).

Why our own: pickle and marshal must never load bytes from an untrusted peer (the program's process can
send anything); json cannot tell a tuple from a list, has no sets, bytes or complex numbers, and importing
it costs ~15 ms at every sandbox start. This codec knows exactly the plain types (``None``, ``bool``,
``int``, ``float``, ``complex``, ``str``, ``bytes``, ``list``, ``tuple``, ``set``, ``frozenset``,
``dict``), checks exact types (a ``str`` subclass with a rigged ``__eq__`` is not plain), and turns
anything else into a :class:`Handle` (an id naming an object that stays in the program's process).
Decoding never runs code from the peer: it builds plain values and handles, bounded in depth and size.
"""

from __future__ import annotations

import posix as os  # os.py itself costs ~2.5 ms of every sandbox start
import select
import time
# Bound here, so a program that replaces ``builtins.len`` & co. in its own process does not change how
# that process encodes its answers.
from builtins import (  # noqa: A004
    bytes, complex, dict, float, frozenset, int, isinstance, len, list, range, repr, set, str, tuple, type,
)

MAX_DEPTH = 64
HEADER = 4  # bytes of big-endian frame length


class WireError(Exception):
    """Bytes that are not a valid message (or a value that cannot be sent)."""


class Handle:
    """A reference to an object in the program's process: ``id`` and a short ``kind`` (its type name)."""

    __slots__ = ("id", "kind")

    def __init__(self, id: int, kind: str) -> None:
        self.id = id
        self.kind = kind

    def __repr__(self) -> str:
        return f"Handle({self.id}, {self.kind!r})"


_SEQ = {list: b"l", tuple: b"t", set: b"S", frozenset: b"Z"}
_SEQ_BACK = {ord("l"): list, ord("t"): tuple, ord("S"): set, ord("Z"): frozenset}


def dumps(value: object, handle=None) -> bytes:
    """Encode ``value``; non-plain objects go through ``handle(obj) -> Handle`` (none given: WireError)."""
    out: list[bytes] = []
    _enc(value, out, 0, handle)
    return b"".join(out)


def _enc(v: object, out: list, depth: int, handle) -> None:
    t = type(v)
    if v is None:
        out.append(b"N")
    elif v is True:
        out.append(b"T")
    elif v is False:
        out.append(b"F")
    elif depth > MAX_DEPTH:
        _enc_handle(v, out, handle)
    elif t is int:
        out.append(b"i%x;" % v if v >= 0 else b"i-%x;" % -v)
    elif t is float:
        out.append(b"f" + repr(v).encode() + b";")
    elif t is complex:
        out.append(b"c" + repr(v.real).encode() + b"," + repr(v.imag).encode() + b";")
    elif t is str:
        data = v.encode("utf-8", "surrogatepass")
        out.append(b"s%d:" % len(data))
        out.append(data)
    elif t is bytes:
        out.append(b"b%d:" % len(v))
        out.append(v)
    elif t in _SEQ:
        items = list(v)
        out.append(_SEQ[t] + b"%d:" % len(items))
        for item in items:
            _enc(item, out, depth + 1, handle)
    elif t is dict:
        items = list(v.items())
        out.append(b"d%d:" % len(items))
        for key, item in items:
            _enc(key, out, depth + 1, handle)
            _enc(item, out, depth + 1, handle)
    else:
        _enc_handle(v, out, handle)


def _enc_handle(v: object, out: list, handle) -> None:
    if isinstance(v, Handle):
        h = v
    elif handle is None:
        raise WireError(f"cannot send a {type(v).__name__} object")
    else:
        h = handle(v)
    kind = "".join(c for c in str(h.kind) if c.isalnum() or c in "_.")[:60] or "object"
    out.append(b"h%x,%s;" % (h.id, kind.encode("ascii", "replace")))


def loads(data: bytes, handle=None, max_items: int | None = None) -> object:
    """Decode one value; handles become ``handle(Handle)`` (default: the Handle itself). At most
    ``max_items`` values in all (None: bounded only by the size of ``data``)."""
    budget = [len(data) if max_items is None else max_items]
    try:
        value, end = _dec(bytes(data), 0, 0, handle or (lambda h: h), budget)
    except WireError:
        raise
    except (ValueError, TypeError, IndexError, OverflowError, RecursionError, UnicodeDecodeError) as exc:
        raise WireError(f"malformed message: {type(exc).__name__}: {exc}") from None
    if end != len(data):
        raise WireError("trailing bytes after the value")
    return value


def _token(buf: bytes, pos: int, stop: bytes) -> tuple[str, int]:
    end = buf.find(stop, pos)
    if end < 0:
        raise WireError("unterminated token")
    return buf[pos:end].decode("ascii"), end + 1


def _count(buf: bytes, pos: int) -> tuple[int, int]:
    text, pos = _token(buf, pos, b":")
    n = int(text)
    if n < 0 or n > len(buf) - pos + 1:
        raise WireError("bad length")
    return n, pos


def _dec(buf: bytes, pos: int, depth: int, handle, budget: list) -> tuple[object, int]:
    if depth > MAX_DEPTH + 1:
        raise WireError("value nested too deeply")
    budget[0] -= 1
    if budget[0] < 0:
        raise WireError("value has too many items")
    tag = buf[pos]
    pos += 1
    if tag == 78:  # N
        return None, pos
    if tag == 84:  # T
        return True, pos
    if tag == 70:  # F
        return False, pos
    if tag == 105:  # i
        text, pos = _token(buf, pos, b";")
        return int(text, 16), pos
    if tag == 102:  # f
        text, pos = _token(buf, pos, b";")
        return float(text), pos
    if tag == 99:  # c
        text, pos = _token(buf, pos, b";")
        re_text, im_text = text.split(",")
        return complex(float(re_text), float(im_text)), pos
    if tag in (115, 98):  # s, b
        n, pos = _count(buf, pos)
        if pos + n > len(buf):
            raise WireError("string runs past the end")
        raw = buf[pos:pos + n]
        return (raw.decode("utf-8", "surrogatepass") if tag == 115 else raw), pos + n
    if tag in _SEQ_BACK:
        n, pos = _count(buf, pos)
        items = []
        for _ in range(n):
            item, pos = _dec(buf, pos, depth + 1, handle, budget)
            items.append(item)
        return _SEQ_BACK[tag](items) if tag != 108 else items, pos
    if tag == 100:  # d
        n, pos = _count(buf, pos)
        out = {}
        for _ in range(n):
            key, pos = _dec(buf, pos, depth + 1, handle, budget)
            out[key], pos = _dec(buf, pos, depth + 1, handle, budget)
        return out, pos
    if tag == 104:  # h
        text, pos = _token(buf, pos, b";")
        ident, kind = text.split(",", 1)
        return handle(Handle(int(ident, 16), kind)), pos
    raise WireError(f"unknown tag {bytes([tag])!r}")


# ----------------------------------------------------------------------------------------------------
# Frames: 4-byte big-endian length, then the payload
# ----------------------------------------------------------------------------------------------------
class Timeout(Exception):
    """No complete frame arrived before the deadline."""


class Closed(Exception):
    """The peer closed the channel (or died)."""


def frame(payload: bytes) -> bytes:
    """``payload`` with its length header."""
    return len(payload).to_bytes(HEADER, "big") + payload


def write_frame(fd: int, payload: bytes) -> None:
    """Write one frame to ``fd`` (blocking until all of it is written)."""
    data = memoryview(frame(payload))
    while data:
        data = data[os.write(fd, data):]


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                raise Timeout()
        try:
            chunk = os.read(fd, min(n, 1 << 20))
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            raise Closed()
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None, max_bytes: int = 64 << 20) -> bytes:
    """Read one frame's payload from ``fd``; ``deadline`` is a ``time.monotonic()`` instant."""
    size = int.from_bytes(_read_exact(fd, HEADER, deadline), "big")
    if size > max_bytes:
        raise WireError(f"message of {size} bytes exceeds the limit of {max_bytes}")
    return _read_exact(fd, size, deadline)


class FrameReader:
    """Collects bytes read from a pipe and returns the complete frames in them (host side)."""

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        self.buf = bytearray()
        self.max_bytes = max_bytes

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; return every frame completed by it."""
        self.buf += data
        frames = []
        while len(self.buf) >= HEADER:
            size = int.from_bytes(self.buf[:HEADER], "big")
            if size > self.max_bytes:
                raise WireError(f"message of {size} bytes exceeds the limit of {self.max_bytes}")
            if len(self.buf) < HEADER + size:
                break
            frames.append(bytes(self.buf[HEADER:HEADER + size]))
            del self.buf[:HEADER + size]
        return frames
