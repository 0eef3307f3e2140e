"""Publishing to channels (issue 13 §3): announcements, and publications of a published
answer, a supervision conclusion or an announcement to the portal, a ward's Zalo Official
Account, its Facebook Page and signed webhooks, each delivered through the outbox by the
``channels.publish`` job with a per-channel status, retries and the remote post id."""
