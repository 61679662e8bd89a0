"""Leads and customers: fallback routing through the zip mapping, and lead queue groups."""
