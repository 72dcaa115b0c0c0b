"""BD Rowa Pickup Cloud: REST API v2 and its SignalR hub, on a simulated pickup robot."""
