"""A plain Django 5.2 + Channels project: the code every lesson runs.

It stands alone (``python sample_project/manage.py migrate``, then
``uvicorn sample_project.config.asgi:application`` for HTTP and WebSockets;
``manage.py runserver`` is Django's WSGI server and serves HTTP only) and never
imports ``workbench``.
"""
