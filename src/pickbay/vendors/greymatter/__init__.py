"""GreyMatter (GreyOrange Butler): service requests and webhooks on a simulated floor."""
