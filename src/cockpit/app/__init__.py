"""The Textual app: a front on the core; its view-models (``views``) know nothing of Textual."""
