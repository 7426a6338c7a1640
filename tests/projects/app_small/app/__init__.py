"""A tiny blog backend: posts and their tags."""
