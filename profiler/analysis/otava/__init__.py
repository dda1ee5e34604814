"""Apache Otava's change point detection, vendored (Apache License 2.0; LICENSE and
NOTICE beside this file).

Otava (formerly DataStax Hunter; Fleming et al., "Hunter: Using Change Point
Detection to Hunt for Performance Regressions", ICPE 2023) implements E-divisive
means (Matteson and James, 2014) with a Student t-test in place of the permutation
test, over sliding windows, and re-tests "weak" change points at the strict level.
The files here are `otava/analysis.py` and `otava/change_point_divisive/` of
apache-otava 0.8.0 from PyPI, byte for byte but for the import paths. The package
itself is not a dependency: it pins numpy 2.2.0 and pulls in BigQuery, Slack and
Graphite clients that buildprof has no use for. profiler.analysis.changes is the
only caller.
"""
