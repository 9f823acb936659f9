"""Payload storage for the documents context: the port and its database and Cassandra adapters."""
