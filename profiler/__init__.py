"""buildprof: a compile-time and build-ergonomics profiler for Go and Rust."""

__version__ = "0.1.0"
