"""A tiny attrs-like checker: every attribute must carry a type annotation."""


def check_annotations(attributes, annotated):
    missing = [name for name in attributes if name not in annotated]
    if missing:
        raise TypeError(f"Unannotated attributes: {', '.join(missing)}.")
