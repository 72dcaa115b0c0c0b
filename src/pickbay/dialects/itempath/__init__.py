"""ItemPath (Kardex Power Pick) dialect: REST orders, order lines, materials, login."""
