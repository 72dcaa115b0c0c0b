"""The backplane between processes (memory or Redis) and the relay that feeds it from the log."""
