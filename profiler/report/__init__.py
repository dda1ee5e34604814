"""Renderers only: they take data (CellSummary, Comparison, GapReport, run rows) and
show it in the terminal (rich), as JSON, CSV and Markdown (`tabular`), or as one
HTML file. What the data says is computed elsewhere (profiler.model,
profiler.analysis); nothing but the CLI imports from here.
"""
