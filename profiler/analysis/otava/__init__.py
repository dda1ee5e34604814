"""Apache Otava's change point detection, vendored (Apache License 2.0; LICENSE and
NOTICE beside this file).

Otava (formerly DataStax Hunter; Fleming et al., "Hunter: Using Change Point
Detection to Hunt for Performance Regressions", ICPE 2023) implements E-divisive
means (Matteson and James, 2014) with a Student t-test in place of the permutation
test, over sliding windows, and re-tests "weak" change points at the strict level.
The files here are `otava/analysis.py` and `otava/change_point_divisive/` of
apache-otava 0.8.0 from PyPI, byte for byte but for the import paths and one fix,
marked "buildprof:" in `merge`: after a weak change point is removed, its left
neighbour is re-tested too (0.8.0 re-tested the right neighbour and the one after
it, so a strong step beside a removed weak one kept a stale p-value and was dropped;
tests/test_changes.py has the case). The package
itself is not a dependency: it pins numpy 2.2.0 and pulls in BigQuery, Slack and
Graphite clients that buildprof has no use for. profiler.analysis.changes is the
only caller.
"""
