"""Explanations of awards kept once per distinct text (``deeds.Explanation``) and pointed to by the deeds, instead
of a copy in every deed (~600 bytes each, most of a deed row).

Existing explanations are moved: each distinct text becomes one row, named by the digest that
``thamdee.deeds.explanations`` gives (repeated here, so that this migration does not change if that module does),
and every deed points to its row; a deed with no explanation points to none.
"""

import hashlib
import json
import uuid

import django.db.models.deletion
from django.db import migrations, models


def _digest(lines):
    text = json.dumps(list(lines), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return uuid.UUID(bytes=hashlib.sha256(text.encode()).digest()[:16])


def share(apps, schema_editor):
    conn = schema_editor.connection
    pg = conn.vendor == "postgresql"
    cast = "::jsonb" if pg else ""
    ids: dict[uuid.UUID, int] = {}
    with conn.cursor() as cursor:
        cursor.execute("SELECT DISTINCT explanation_lines FROM deeds_deed")
        for (raw,) in cursor.fetchall():
            lines = json.loads(raw) if isinstance(raw, str) else raw
            if not lines:
                continue
            key = _digest(lines)
            text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
            if key not in ids:
                cursor.execute(
                    f"INSERT INTO deeds_explanation (digest, lines) VALUES (%s, %s{cast})",
                    [key.hex if not pg else key, text],
                )
                cursor.execute("SELECT id FROM deeds_explanation WHERE digest = %s", [key.hex if not pg else key])
                ids[key] = cursor.fetchone()[0]
            if not pg:  # the same text as stored: SQLite compares the JSON as text
                cursor.execute(
                    "UPDATE deeds_deed SET explanation_id = %s WHERE explanation_lines = %s", [ids[key], raw]
                )
        if pg:  # one pass over the deeds: jsonb compares by value
            cursor.execute(
                "UPDATE deeds_deed d SET explanation_id = e.id FROM deeds_explanation e "
                "WHERE d.explanation_lines = e.lines"
            )
            # Check the new foreign keys now: a table with pending deferred checks cannot be altered (below).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def unshare(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE deeds_deed SET explanation_lines = (SELECT e.lines FROM deeds_explanation e "
            "WHERE e.id = deeds_deed.explanation_id) WHERE explanation_id IS NOT NULL"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deeds", "0004_fewer_deed_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Explanation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.UUIDField(editable=False, unique=True, verbose_name="ลายนิ้วมือ")),
                ("lines", models.JSONField(default=list, editable=False, verbose_name="คำอธิบายเครดิต")),
            ],
            options={
                "verbose_name": "คำอธิบายเครดิต",
                "verbose_name_plural": "คำอธิบายเครดิต",
            },
        ),
        migrations.RenameField(model_name="deed", old_name="explanation", new_name="explanation_lines"),
        migrations.AddField(
            model_name="deed",
            name="explanation",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="deeds.explanation",
                verbose_name="คำอธิบายเครดิต",
            ),
        ),
        migrations.RunPython(share, unshare),
        migrations.RemoveField(model_name="deed", name="explanation_lines"),
    ]
