"""The ENOVIA GraphQL gateway: a GraphQL API over ENOVIA PLM documents and revisions."""

__version__ = "0.1.0"
