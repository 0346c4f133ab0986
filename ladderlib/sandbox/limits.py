"""Resource limits of the program's processes, and the host's wall-clock backstop for a whole run.

The limits are applied with ``setrlimit`` by the loader inside the sandbox, after it has dropped stdin and
before the program's first line runs (``inside/server.py: prepare``); every worker forked for a test
inherits them, and gets its own ``cpu_s`` because CPU time is counted per process. Setting them inside
rather than in a ``preexec_fn`` keeps ``subprocess`` thread-safe (the batch API drives runs from threads)
and leaves bubblewrap and the harness unlimited.
"""

from __future__ import annotations

from ladderlib.config.sandbox import SandboxSettings

MIB = 1 << 20
# Processes of the program's uid that are not the program's: the loader, the next test's worker (forked
# ahead), and (unless the harness runs as a uid of its own, see bwrap.py) the harness.
HARNESS_PROCESSES = {True: 2, False: 3}
STARTUP_S = 5.0  # host-side allowance for bubblewrap and the interpreter to start
MAX_MESSAGE_BYTES = 8 * MIB  # largest answer a worker may send for one call
MAX_ITEMS = 1_000_000  # values in one answer (bounds the harness's memory and decoding time)


def rlimits(settings: SandboxSettings, isolated: bool, split_uid: bool = False) -> dict[str, list[int]]:
    """``{RLIMIT_NAME: [soft, hard]}`` for the loader to apply.

    RLIMIT_NPROC counts per user: inside the sandbox's own user namespace that is just the sandbox's
    processes, but on the host it would count (or, for root, ignore) every process of the user, so it is
    only set when isolated.
    """
    memory = settings.memory_mb * MIB
    table = {
        "RLIMIT_AS": [memory, memory],
        "RLIMIT_CPU": [settings.cpu_s, settings.cpu_s + 1],  # SIGXCPU at the soft limit, SIGKILL a second later
        "RLIMIT_FSIZE": [settings.max_file_mb * MIB] * 2,
        "RLIMIT_NOFILE": [settings.max_open_files] * 2,
        "RLIMIT_CORE": [0, 0],
    }
    if isolated:
        table["RLIMIT_NPROC"] = [settings.max_processes + HARNESS_PROCESSES[split_uid]] * 2
    return table


def run_deadline(settings: SandboxSettings, n_tests: int) -> float:
    """Host-side wall-clock seconds after which the whole sandbox is killed (the harness's own per-test
    limits normally end every test long before)."""
    per_test = STARTUP_S + settings.timeout_s * (n_tests + 1) + 0.5 * n_tests
    if settings.total_timeout_s is None:
        return per_test
    return min(per_test, STARTUP_S + settings.total_timeout_s + 1.0)
