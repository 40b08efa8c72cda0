"""Notifications away from the hall: the notifier that follows the event log (notifier.py), the
messages it makes (messages.py), its channels (channels.py: the protocol; push.py, webhook.py) and
their SQL (store.py). Plain Python: the web face is queue_server/notify_api.py."""
