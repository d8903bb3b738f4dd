from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "sample_project.tasks"
    label = "tasks"
    verbose_name = "Background tasks"
    default_auto_field = "django.db.models.BigAutoField"
