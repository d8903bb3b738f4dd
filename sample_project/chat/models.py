"""Chat history: every message a room has seen, written with the async ORM."""

from django.conf import settings
from django.db import models


class Message(models.Model):
    """One chat message, stored before it is broadcast to the room."""

    room = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_messages",
        help_text="The author, or empty for an anonymous visitor.",
    )
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["room", "id"])]

    def __str__(self) -> str:
        return f"{self.room}: {self.text[:50]}"
