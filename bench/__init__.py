"""Benchmarks of the blog engine (local tooling: never shipped to Lambda)."""
