"""ipywidgets views for the notebooks (import the module you need, e.g. ``ladderlib.widgets.variant_tree``)."""
