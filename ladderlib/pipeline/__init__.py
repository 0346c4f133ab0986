"""The papermill pipeline and run folders."""

from ladderlib.pipeline.rundir import RunDir, create_run, latest_run, open_run
from ladderlib.pipeline.runner import PipelineError, run_pipeline

__all__ = ["PipelineError", "RunDir", "create_run", "latest_run", "open_run", "run_pipeline"]
