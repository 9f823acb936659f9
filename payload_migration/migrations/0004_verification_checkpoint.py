# Verification walks both stores page by page and keeps its position, so that an interrupted run can resume.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("migration", "0003_routes_to_strangler"),
    ]

    operations = [
        migrations.AddField(
            model_name="verificationrun",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AddField(
            model_name="verificationrun",
            name="stage",
            field=models.CharField(default="database", max_length=16),
        ),
        migrations.AddField(
            model_name="verificationrun",
            name="database_cursor",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="verificationrun",
            name="cassandra_cursor",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="verificationrun",
            name="resumes",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
