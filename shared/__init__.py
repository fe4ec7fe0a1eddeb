"""The contract every service and every producing team codes against.

Data only: event and command models, topic names, and the small Kafka, MongoDB and logging helpers
that the three services share.
"""
