"""Bounds of what intake takes, shared by the message layer and the tables (Django-free, and free of the AS4
library, which the tables should not load)."""

# An ebMS eb:MessageId is free text: a longer one is refused before it is stored.
MAX_MESSAGE_ID_CHARS = 255
