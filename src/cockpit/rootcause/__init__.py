"""Root causes: signatures, clusters and hints over failures. Pure."""
