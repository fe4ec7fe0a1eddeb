"""What the matcher does, over its ports: the program step, proposals, transitions, their events."""
