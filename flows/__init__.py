"""Prefect flows: thin shells that gather, call ``routing``, persist and publish artifacts.

Importing this package first sets the offline, quiet Prefect environment (``flows._prefect_env``),
before any flow module imports ``prefect``.
"""

from flows._prefect_env import configure_prefect_environment

configure_prefect_environment()
