import unicodedata


def fold(text: str) -> str:
    """Lower-case Vietnamese without diacritics: 'Đăng ký khai sinh' → 'dang ky khai sinh'.

    The same folding is stored in ``Procedure.search_text`` and applied to the query, so search
    ignores diacritics and case on SQLite as on PostgreSQL.
    """
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())
