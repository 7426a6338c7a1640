"""A small package whose tests reach it in every way cockpit must follow."""
