"""The GraphQL types, one per module."""
