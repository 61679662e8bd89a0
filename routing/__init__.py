"""Tech Scheduling & Routing: technician auto-scheduler and zip relation manager."""

__version__ = "0.1.0"
