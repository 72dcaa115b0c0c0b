"""ItemPath (Kardex Power Pick): orders, lines and materials on a simulated lift module."""
