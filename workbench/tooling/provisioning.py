"""Databases for the tests: a fresh PostgreSQL database per test or per xdist worker, dropped after."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def fresh_database(url: str, name: str) -> str:
    """Create database ``name`` (dropping an old one) on the server of ``url``; return its URL.

    The new URL keeps ``url``'s user, host, port and options (``?pool_max_size=``…).
    """
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(query=""))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    """Drop the database that ``url`` names, from the server's ``postgres`` database."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres", query=""))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
