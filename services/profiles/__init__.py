"""The profiles service: the system of record for the people in reverse-mentoring programs.

Two edges write profiles, the HTTP API (`routes.py`) and the ingress topic (`handlers.py`); both go
through `service.py`, so validation, versioning and events are the same whichever way a change
arrives. Every change is stored together with its canonical event in one single-document write (an
embedded outbox); `relay.py` publishes those events in order and then marks them sent.
"""
