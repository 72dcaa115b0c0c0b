"""A generic SignalR server: negotiate, transports, hub protocols; it knows no orders."""
