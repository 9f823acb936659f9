# The shared circuit breaker, and the heartbeats of running `serve_context` processes. The instances' model is
# unmanaged (a flush of the data leaves running services visible, see models.py), so its table is created here by a
# database operation of the same shape.

from django.db import migrations, models

INSTANCE_FIELDS = [
    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
    ("instance_id", models.CharField(max_length=32, unique=True)),
    ("context", models.CharField(db_index=True, max_length=50)),
    ("version", models.CharField(max_length=100)),
    ("host", models.CharField(max_length=255)),
    ("pid", models.PositiveIntegerField()),
    ("started_at", models.DateTimeField()),
    ("last_seen", models.DateTimeField(db_index=True)),
]


def instance_model(managed: bool) -> migrations.CreateModel:
    return migrations.CreateModel(
        name="ContextInstance",
        fields=[(name, field.clone()) for name, field in INSTANCE_FIELDS],
        options={"db_table": "strangler_contextinstance", "ordering": ["context", "-last_seen"], "managed": managed},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("strangler", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[instance_model(managed=True)],
            state_operations=[instance_model(managed=False)],
        ),
        migrations.CreateModel(
            name="BreakerState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("context", models.CharField(max_length=50, unique=True)),
                ("failures", models.PositiveIntegerField(default=0)),
                ("window_started", models.FloatField(null=True)),
                ("open_until", models.FloatField(null=True)),
                ("trial_until", models.FloatField(null=True)),
                ("last_local_reason", models.CharField(blank=True, max_length=300)),
                ("last_local_at", models.DateTimeField(null=True)),
            ],
        ),
    ]
