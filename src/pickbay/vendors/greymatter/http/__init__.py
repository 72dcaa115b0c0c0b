"""GreyMatter over HTTP: service-request routes, bodies, views, errors, operator routes."""
