"""The gateway's steps of every operation, as one Strawberry extension.

Strawberry wraps each hook of each extension in a context manager of its own on every
operation; with the limits, the prepared documents and the observation as three extensions
that was six wrappers a query, now four. Each step stays in its own module: the limits in
`schema.limits`, parsing and validating once in `schema.prepared`, metrics and the span in
`schema.observability`.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ValidationRule
from strawberry.extensions import SchemaExtension

from schema.limits import QueryLimits, apply_limit_rules, limit_tokens, refuse_over_limits
from schema.observability import observed
from schema.prepared import PreparedDocuments, parsed_once, validated_once


class OperationHooks(SchemaExtension):
    """Per operation: the limits' validation rules, the observation (metrics, span) around
    it all; the token limit and parsing once; validating once; the batch and cost limits
    just before execution."""

    def __init__(
        self,
        limits: QueryLimits,
        rules: tuple[type[ValidationRule], ...],
        documents: PreparedDocuments,
    ) -> None:
        self.limits = limits
        self.rules = rules
        self.documents = documents

    def on_operation(self) -> Iterator[None]:
        apply_limit_rules(self.execution_context, self.rules)
        yield from observed(self.execution_context)

    def on_parse(self) -> Iterator[None]:
        limit_tokens(self.execution_context, self.limits)
        yield from parsed_once(self.execution_context, self.documents)

    def on_validate(self) -> Iterator[None]:
        yield from validated_once(self.execution_context, self.documents)

    def on_execute(self) -> Iterator[None]:
        refuse_over_limits(self.execution_context, self.limits, self.documents)
        yield
