"""What the stored runs say, apart from how it is shown.

- `rule`: the verdict rule on "Go compiles in seconds, Rust in minutes" (MINUTE).
- `gap`: the Go-against-Rust analysis: records, scaling fits, the verdict, the
  other scenarios' gaps; its rows come from a storage query.
- `wording`: the numbers and sentences every renderer (terminal, Markdown, HTML)
  and the analysis share, written once.

The renderers in profiler.report read these; nothing here imports from report/.
"""
