from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_identifier_verification"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="conversion_policies",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="organisation",
            name="lenient_national_rules",
            field=models.BooleanField(default=False),
        ),
    ]
