"""The app's registry of listeners. Its `import weakref` was deleted by mistake."""


class Registry:
    def __init__(self) -> None:
        self.listeners = weakref.WeakSet()


REGISTRY = Registry()
