"""The three services: profiles, matcher and notifier."""
