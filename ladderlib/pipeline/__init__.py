"""The papermill pipeline, run folders and their named artifacts (``RunDir``).

Names are imported lazily: ``RunDir`` does not load papermill.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "rundir": "Artifact RunDir create_run latest_run open_run",
    "runner": "PipelineError run_pipeline",
})
