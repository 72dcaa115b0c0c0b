"""Pure domain: no web framework, no database, no wall clock."""
