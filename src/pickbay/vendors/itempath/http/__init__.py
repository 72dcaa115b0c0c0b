"""ItemPath over HTTP: routes, bodies, the filter grammar, views, errors, operator routes."""
