"""The notifier: emails and calendar invites to both people of a pairing, exactly once."""
