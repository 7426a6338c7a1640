"""Text helpers: URL slugs and product SKUs."""

import re

SKU_PATTERN = re.compile(r"^([A-Z]{3})-(\d{5})$")


def slugify(text: str) -> str:
    """Lower-case ``text`` and join its words with single dashes: "Red Mug" -> "red-mug"."""
    slug = re.sub(r"[^a-z0-9]", "-", text.lower())
    return slug.strip("-")


def format_sku(category: str, number: int) -> str:
    """Build a SKU such as "KIT-00042" from a category name and a running number."""
    letters = re.sub(r"[^A-Za-z]", "", category)
    if len(letters) < 3:
        raise ValueError(f"category {category!r} needs at least three letters")
    if not 0 < number < 100_000:
        raise ValueError(f"SKU number out of range: {number}")
    return f"{letters[:3].upper()}-{number:05d}"


def parse_sku(sku: str) -> tuple[str, int]:
    match = SKU_PATTERN.match(sku.strip().upper())
    if match is None:
        raise ValueError(f"not a SKU: {sku!r}")
    return match.group(1), int(match.group(2))


def truncate(text: str, width: int) -> str:
    """Shorten ``text`` to at most ``width`` characters, ending with "..." when cut."""
    if width < 4:
        raise ValueError("width must be at least 4")
    if len(text) <= width:
        return text
    return text[: width - 3].rstrip() + "..."
