"""`buildprof tune`: well-known build knobs, measured on the user's project."""
