"""PostgreSQL search: the unaccent and pg_trgm extensions and a trigram GIN index on search_text.

Only on PostgreSQL (the embedded SQLite set-up searches the folded column with LIKE). The index is not
declared in the model's Meta because a GinIndex with ``gin_trgm_ops`` cannot be created on SQLite;
``selectors.search_procedures`` relies on it for ``LIKE '%word%'`` and the ``%>`` word-similarity operator.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

INDEX = "procedures_procedure_search_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON procedures_procedure USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extensions stay: other objects may depend on them.
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0002_online_level_unpublished"),
    ]

    operations = [
        # Both operations do nothing on other databases. Both extensions are "trusted" since
        # PostgreSQL 13: the database owner may create them without superuser rights.
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(forwards, backwards),
    ]
