"""Pickup Cloud over HTTP: REST routes, bodies, views, errors, operator routes, the hub."""
