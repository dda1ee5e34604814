"""Renderers only: they take data (CellSummary, Comparison, Document, run rows) and
show it in the terminal (rich), as JSON, CSV and Markdown (`writers`), or as one
HTML file (`document/`). A module per view: history, compare, exports, run, tune,
payoff, breakdown, scenarios, ci. What the data says is computed elsewhere
(profiler.model, profiler.analysis); nothing but the CLI imports from here.
"""
