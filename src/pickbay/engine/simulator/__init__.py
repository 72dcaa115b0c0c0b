"""Simulated devices: one model per kind of robot, calling the same services an operator would."""
