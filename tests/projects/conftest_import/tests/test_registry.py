def test_registry_starts_empty(registry):
    assert len(registry.listeners) == 0


def test_registry_is_shared(registry):
    assert registry is registry
