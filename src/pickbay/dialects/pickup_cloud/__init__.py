"""BD Rowa Pickup Cloud REST API v2."""
