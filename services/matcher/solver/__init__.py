"""Maximum-weight b-matching over numeric arrays; it knows nothing of people."""
