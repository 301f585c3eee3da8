"""Benchmarks: commands that measure and print figures beside their goals (never timed tests).

``thamdee bench [name ...]`` runs them against PostgreSQL in a database of their own (``<name>_bench``),
prints the machine, the PostgreSQL settings and each figure beside its goal and the floor measured in the
same run, and writes the results as JSON under ``bench-results/``.
"""
