"""A plain Django 5.2 + Channels project: the code every lesson runs.

It stands alone (``python sample_project/manage.py runserver`` or
``uvicorn sample_project.config.asgi:application``) and never imports
``workbench``.
"""
