"""pickbay's own API under /pickbay/v1: the clock, the robots' operator actions, labels."""
