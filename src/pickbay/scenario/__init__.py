"""Scenarios: a run of orders, operator actions and faults on the sandbox clock, with what
must hold, read from a YAML or JSON file and played against a pickbay through its APIs."""
