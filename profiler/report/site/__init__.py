"""`buildprof site OUT`: the static site (works from file://, no network); static/ holds
its assets, copied as they are."""
