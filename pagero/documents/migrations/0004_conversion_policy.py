from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_amounts_and_sweeps"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="national_rules_accepted_by",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="document",
            name="dropped",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
