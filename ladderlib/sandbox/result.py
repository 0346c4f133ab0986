"""Result types of a sandbox run, and how per-test verdicts sum up to a status."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

VERDICTS = ("passed", "failed", "error", "timeout", "memory")
# A run's status is the most severe verdict among its tests (``passed`` only when all passed).
SEVERITY = {"passed": 0, "failed": 1, "error": 2, "timeout": 3, "memory": 4}


@dataclass
class TestVerdict:
    """One test: its text, verdict (one of VERDICTS), a short message and how long it took."""

    __test__ = False  # not a pytest test class

    test: str
    verdict: str
    message: str = ""
    elapsed_s: float = 0.0


@dataclass
class SandboxResult:
    """The outcome of running one program (and its tests, if any)."""

    status: str  # one of VERDICTS
    tests: list[TestVerdict] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    elapsed_s: float = 0.0
    isolated: bool = True  # False: ran with isolation="none", on the host, rlimits only
    message: str = ""  # why the program as a whole did not run cleanly (load error, exit, limits)
    stdout_truncated: bool = False
    stderr_truncated: bool = False

    @property
    def passed(self) -> bool:
        """Every test passed (with no tests: the program ran to its end with exit status 0)."""
        return self.status == "passed"

    @property
    def passed_count(self) -> int:
        """Number of tests that passed."""
        return sum(t.verdict == "passed" for t in self.tests)

    def to_dict(self) -> dict:
        """A JSON-ready dict (the CLI's ``--json`` output)."""
        return asdict(self)


def overall_status(verdicts: list[str]) -> str:
    """The status of a run from its tests' verdicts: the most severe one."""
    return max(verdicts, key=SEVERITY.__getitem__) if verdicts else "passed"
