# The context routes moved to the strangler app, which keeps their tables: only the model state leaves this app.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("migration", "0002_context_routes"),
        ("strangler", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="ContextRoute"), migrations.DeleteModel(name="ContextRouteChange")],
        ),
    ]
