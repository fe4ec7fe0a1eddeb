"""The matcher's edges: MongoDB stores, Kafka handlers and coordinator, relay, sweeper, HTTP API."""
