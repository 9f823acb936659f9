# The routes' tables were created by the payload migration app (migration 0002); this app takes them over as they
# are, so only Django's model state moves.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("migration", "0002_context_routes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ContextRoute",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("context", models.CharField(max_length=50, unique=True)),
                        (
                            "mode",
                            models.CharField(
                                choices=[("local", "local"), ("shadow", "shadow"), ("canary", "canary"), ("remote", "remote")],
                                default="local",
                                max_length=10,
                            ),
                        ),
                        ("canary_percent", models.PositiveSmallIntegerField(default=0)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={"db_table": "migration_contextroute"},
                ),
                migrations.CreateModel(
                    name="ContextRouteChange",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("context", models.CharField(max_length=50)),
                        ("from_mode", models.CharField(max_length=10)),
                        ("to_mode", models.CharField(max_length=10)),
                        ("canary_percent", models.PositiveSmallIntegerField(default=0)),
                        ("actor", models.CharField(max_length=150)),
                        ("reason", models.TextField(blank=True)),
                        ("gate_overridden", models.BooleanField(default=False)),
                        ("at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={"db_table": "migration_contextroutechange", "ordering": ["-at", "-id"]},
                ),
            ],
        ),
    ]
