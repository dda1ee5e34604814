"""The site's "how to read this" page: what each figure and mark means. The numbers in
it (runs a CI needs, the U test's level, the change-point detection's parameters) are
read from the code that applies them, so the page cannot drift from it."""

from __future__ import annotations

from profiler.analysis import changes
from profiler.report.site.pages import page
from profiler.stats import ALPHA, min_runs_for_ci, range_coverage, utest_min_n


def help_page() -> str:
    ci_n, u_n = min_runs_for_ci(), utest_min_n(ALPHA)
    sections = [
        ("The median", """<p>Each build is run several times; a point on a chart and a
figure in a table is the <b>median</b> of its successful timed runs (warm-up runs and
failed runs are left out). The median, unlike the mean, is not pulled up by one slow
run: the machine checking mail during one build moves the mean, not the median.</p>"""),
        ("MAD, the spread", """<p>The <b>median absolute deviation</b> (MAD) is the median
of each run's distance from the median: the typical wobble of a build's time. A MAD of
1% of the median means a change of 0.5% is within noise; a change of 10% is not.</p>"""),
        ("The band: a confidence interval", f"""<p>The shaded band around a line is the
<b>95% confidence interval of the median</b> when the point has {ci_n} runs or more:
the true median of that build lies in it 19 times out of 20. It comes from order
statistics (no assumption that times are normally distributed, which they are not:
they have a floor and a long tail). Below {ci_n} runs there is no 95% interval
inside the runs, and the band is the runs' <b>min–max</b> instead, which holds the
median {100 * range_coverage(3):.0f}% of the time at 3 runs and
{100 * range_coverage(5):.1f}% at 5. Tables write ± 2.1% for a CI and ± 4.1% (75%)
for a range.</p>"""),
        ("What “significant” means here", f"""<p>Two sides (two sessions, toolchains or
commits) are compared with the <b>Mann–Whitney U test</b>, as Go's benchstat does: is
one side's set of times shifted against the other's? <b>p</b> is how often noise alone
would shift them this far; below {ALPHA:g} the change is called significant and shown
(<code>+12.3%</code>), otherwise the verdict is <code>~</code>: no change that the runs
can tell from noise. With fewer than {u_n} runs a side the test can never reach
p&lt;{ALPHA:g}: the verdict then says <i>too few runs</i> rather than pretending.
A significant 0.4% is real but may not matter; a 15% that is <code>~</code> is not
shown to be real. The geomean row is the geometric mean of the medians: one number
for many cells, each weighted alike.</p>"""),
        ("Why runs are interleaved", """<p><code>buildprof run</code> does not build A
six times and then B six times: it alternates A, B, A, B… A machine's speed drifts
(thermal throttling, a backup starting, the page cache warming); measured in blocks,
that drift would land on one side and look like a difference between them.
Interleaved, it falls on both alike. This is why a comparison is only made within
one machine, and why two sessions are compared only on the same sources.</p>"""),
        ("Change points", f"""<p>A <b>change point</b> (a dashed line on a chart) is
where a series stepped to a new level and stayed there: found by E-divisive means, the
method MongoDB and Apache Otava use, over windows of {changes.WINDOW} points, each step
kept only when a t-test of the points on its two sides gives
p&lt;{changes.MAX_PVALUE:g} and it is at least {changes.MIN_MAGNITUDE_PCT:g}% big. A
single slow point is not a change point; a level that moved is. The table under each
chart gives each step as a comparison of the runs before it against the runs after it,
and what changed at it: the toolchain, the locked dependencies, the build
configuration, the files the commit touched, the units that got slower.</p>"""),
        ("The marks on a chart", """<p>A line per series (language, toolchain, jobs,
variant, machine), over commits (in first-parent order) or over sessions (in time).
Red dots: points where the build failed (click one for its first error line).
Hover a point for what it is; click it to open its runs: each run's wall and CPU time,
peak memory of the largest process and of the whole process tree, artifact size, the
exact command, and, for a run recorded with <code>--breakdown</code>, its units, its
critical path and a Chrome trace to open in ui.perfetto.dev.</p>"""),
        ("What is never mixed", """<p>A series is one machine: timings of two machines
are not comparable, and the compare page refuses to pool them, as
<code>buildprof compare</code> does. Two sessions are compared on the same sources
only (the same content hash); two revisions differ in their sources by design.</p>"""),
    ]
    body = "<h1>How to read this</h1>\n" + "\n".join(
        f'<section id="read-{i}"><h2>{title}</h2>{text}</section>'
        for i, (title, text) in enumerate(sections, 1))
    return page("buildprof: how to read this", body, here="help.html")
