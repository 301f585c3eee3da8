"""The demo pilot: a small, realistic scheme in three target provinces, loaded idempotently.

Each part of the domain adds a step module here; ``thamdee demo`` runs them in order.
"""
