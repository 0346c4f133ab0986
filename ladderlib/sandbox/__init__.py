"""Code sandbox (placeholder docstring, rewritten below)."""
