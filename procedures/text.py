"""Diacritics- and case-insensitive text: ``fold`` in Python and its twin ``Fold`` in the database."""

import unicodedata

from django.db.models import Func, TextField

SQLITE_FOLD_FUNCTION = "motcua_fold"


def fold(text: str) -> str:
    """Lower-case Vietnamese without diacritics: 'Đăng ký khai sinh' → 'dang ky khai sinh'.

    The same folding is stored in ``Procedure.search_text`` and applied to the query, so search
    ignores diacritics and case on SQLite as on PostgreSQL.
    """
    # Đ/đ are letters of their own (no combining mark to strip); Ð (U+00D0) is how text converted from
    # the old TCVN3/VNI fonts often spells Đ.
    text = (text or "").replace("đ", "d").replace("Đ", "D").replace("Ð", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


class Fold(Func):
    """``fold()`` computed by the database, for expressions over columns that are not stored folded.

    PostgreSQL: ``lower(unaccent(x))`` — unaccent first, because ``lower()`` in a C-locale database
    only lower-cases ASCII. SQLite: the Python ``fold`` registered on each connection (procedures/apps.py).
    """

    output_field = TextField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="lower(unaccent(%(expressions)s))", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=SQLITE_FOLD_FUNCTION, **extra)


def register_sqlite_fold(sender, connection, **kwargs):
    """``connection_created`` receiver: teach every SQLite connection ``motcua_fold(text)``."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FOLD_FUNCTION, 1, fold, deterministic=True)
