"""A prepared query compiled into a plan, answered without graphql-core's general executor.

For every field of every object of an answer, graphql-core's executor looks up the field's
definition and resolver, builds a resolve info, coerces the arguments, asks whether the
result is awaitable, an error, null, a list, a leaf or an object, and dispatches on it: about
3.4 µs a field whatever the field does, 2 of the 5 ms the 100-document query takes. A
prepared document asks for the same fields on every run, so this module decides all that
once, at the document's first run: each selection becomes a tuple of field plans, each with
its resolver (none, and no info, for a plain attribute), its arguments when they are
constant, and a completion made for its type.

A plan answers only what it can answer whole and at once. The first resolver that returns an
awaitable (data still to load), any error, and any value graphql-core would not complete as
a plain value (an exception in a list, null where the type forbids it, something other than
a list where a list is due) abandons the attempt, and graphql-core runs the operation as it
always did, errors located and reported by it alone. Running resolvers again then is safe:
the request's loaders keep one future per resource (a second ask sends nothing, observes
nothing twice), `declare_max_ages` declares once per request, and an awaitable left behind
is closed before it ever started. A document a plan cannot express (abstract types,
introspection, an async resolver, incremental delivery, fragment variables) is not compiled.

Written by hand: no Python GraphQL library compiles queries (graphql-jit is JavaScript).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeAlias

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    OperationType,
    Undefined,
    VariableNode,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import (
    CollectedFields,
    FieldDetailsList,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import (
    VariableValues,
    coerce_argument,
    get_argument_values,
    get_variable_values,
)
from graphql.pyutils import Path
from graphql.type import is_required_argument
from graphql.type.definition import GraphQLResolveInfoHelpers
from graphql.utilities.coerce_input_value import coerce_default_value
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

#: Completes a resolved value of one GraphQL type (raises `_Abandon` where it cannot).
Complete: TypeAlias = Callable[["_Run", Any, Path | None], Any]

# Values of these types are never awaitable, never errors: no further check is needed.
_PLAIN = frozenset({str, int, float, bool, type(None), list, tuple, dict})


class _Abandon(Exception):
    """This execution is not the plan's to answer: graphql-core answers it."""


class _Uncompilable(Exception):
    """The document selects something a plan does not express."""


@dataclass(frozen=True, slots=True)
class _FieldPlan:
    key: str
    definition: GraphQLField
    nodes: list[FieldNode]
    #: graphql-core's resolver, called with an info; None: `attribute` reads the value.
    resolve: Callable[..., Any] | None
    attribute: Callable[[Any], Any] | None
    #: The field's arguments; None: coerced by graphql-core on each run (a variable inside
    #: a list or an input object).
    arguments: _Arguments | None
    complete: Complete
    #: Whether the completion needs the field's path (a list or an object: for its fields).
    nested: bool


@dataclass(frozen=True, slots=True)
class _ObjectPlan:
    type: GraphQLObjectType
    fields: tuple[_FieldPlan, ...]


class CompiledQuery:
    """One query operation of a prepared document, as a plan (see the module's docstring)."""

    def __init__(self, executor: Executor[Any], root: _ObjectPlan) -> None:
        self._root = root
        self._schema = executor.schema
        self._operation = executor.operation
        self._fragment_definitions = executor.fragment_definitions
        self._is_awaitable = executor.is_awaitable

    @classmethod
    def compile(cls, executor: Executor[Any]) -> CompiledQuery | None:
        """The plan of `executor`'s operation, or None where a plan cannot express it. The
        document's selections must not depend on its variables (`selections_fixed`)."""
        if executor.operation.operation is not OperationType.QUERY:
            return None
        if executor.middleware_manager is not None or executor.root_value is not None:
            return None
        root_type = executor.schema.query_type
        if root_type is None:
            return None
        try:
            collected = collect_fields(
                executor.schema,
                executor.fragments,
                executor.variable_values,
                root_type,
                executor.operation,
                executor.hide_suggestions,
            )
            return cls(executor, _object_plan(executor, root_type, collected))
        except (_Uncompilable, RecursionError, GraphQLError):
            return None

    def run(
        self,
        context: Any,
        variables: dict[str, Any] | None,
        extensions: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """The operation's data for a request of `context` with `variables` (as sent), when
        every resolver answered at once and without error, exactly as graphql-core would
        complete it; None: graphql-core must execute it (and tell what was wrong, such as
        variables that do not fit)."""
        coerced = get_variable_values(
            self._schema, self._operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            return None
        run = _Run(self, context, coerced, extensions)
        try:
            return _execute(run, self._root, None, None)
        except Exception:  # an error anywhere: graphql-core locates and reports it
            return None


class _Run:
    """One run of a plan: what a resolver's info holds, as graphql-core's executor (with
    Strawberry's `build_resolve_info`) would make it, without building an executor. Only the
    executor's own async helpers cannot be had without one: a resolver that asks for them
    gives way to graphql-core."""

    __slots__ = (
        "abort_signal",
        "async_helpers",
        "context_value",
        "fragment_definitions",
        "hide_suggestions",
        "is_awaitable",
        "operation",
        "operation_extensions",
        "root_value",
        "schema",
        "variable_values",
    )

    def __init__(
        self,
        plan: CompiledQuery,
        context: Any,
        variable_values: VariableValues,
        extensions: dict[str, Any] | None,
    ) -> None:
        self.schema = plan._schema
        self.operation = plan._operation
        self.fragment_definitions = plan._fragment_definitions
        self.is_awaitable = plan._is_awaitable
        self.context_value = context
        self.variable_values = variable_values
        self.operation_extensions = extensions
        self.root_value = None
        self.abort_signal = None
        self.hide_suggestions = False
        self.async_helpers = _NO_ASYNC_HELPERS

    def build_resolve_info(
        self,
        field_def: GraphQLField,
        field_nodes: list[FieldNode],
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> GraphQLResolveInfo[Any]:
        # Strawberry's own, so that the info is the very one its executor would make.
        return _BUILD_RESOLVE_INFO(self, field_def, field_nodes, parent_type, path)  # type: ignore[arg-type]


_BUILD_RESOLVE_INFO = StrawberryGraphQLCoreExecutionContext.build_resolve_info


def _no_async_work(*_: Any) -> Any:
    raise _Abandon


_NO_ASYNC_HELPERS = GraphQLResolveInfoHelpers(gather=_no_async_work, track=_no_async_work)


def _execute(run: _Run, plan: _ObjectPlan, source: Any, path: Path | None) -> dict[str, Any]:
    parent_type = plan.type
    type_name = parent_type.name
    data: dict[str, Any] = {}
    for field in plan.fields:
        field_path = Path(path, field.key, type_name) if field.nested else None
        attribute = field.attribute
        if attribute is not None:
            value = attribute(source)
        else:
            field_path = field_path or Path(path, field.key, type_name)
            info = run.build_resolve_info(field.definition, field.nodes, parent_type, field_path)
            argument_plan = field.arguments
            if argument_plan is None:
                arguments = get_argument_values(
                    field.definition,
                    field.nodes[0],
                    run.variable_values,
                    None,
                    run.hide_suggestions,
                )
            else:
                arguments = argument_plan.values(run.variable_values.coerced)
            assert field.resolve is not None
            value = field.resolve(source, info, **arguments)
        if type(value) not in _PLAIN:
            _settled(run, value)
        data[field.key] = field.complete(run, value, field_path)
    return data


def _settled(run: _Run, value: Any) -> None:
    """Raises `_Abandon` for a value graphql-core would await or turn into an error; an
    awaitable not yet started is closed, so that nothing runs or warns for it."""
    if run.is_awaitable(value):
        close = getattr(value, "close", None)
        if callable(close):
            close()
        raise _Abandon
    if isinstance(value, Exception):
        raise _Abandon


def _object_plan(
    executor: Executor[Any], object_type: GraphQLObjectType, collected: CollectedFields
) -> _ObjectPlan:
    if collected.new_defer_usages or collected.forbidden_directive_instances:
        raise _Uncompilable
    fields = tuple(
        _field_plan(executor, object_type, key, details)
        for key, details in collected.grouped_field_set.items()
    )
    return _ObjectPlan(object_type, fields)


def _field_plan(
    executor: Executor[Any], parent_type: GraphQLObjectType, key: str, details: FieldDetailsList
) -> _FieldPlan:
    if any(d.defer_usage is not None or d.fragment_variable_values for d in details):
        raise _Uncompilable
    node = details[0].node
    name = node.name.value
    definition = executor.schema.get_field(parent_type, name)
    if definition is None or (name.startswith("__") and name != "__typename"):
        raise _Uncompilable  # introspection is for tools, not for the hot path
    complete = _completion(executor, definition.type, details)
    nested = not is_leaf_type(_named(definition.type))
    strawberry_field = (definition.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if isinstance(strawberry_field, StrawberryField) and strawberry_field.is_async:
        raise _Uncompilable  # always awaitable: graphql-core's from the start
    resolve = definition.resolve or executor.field_resolver
    attribute = _attribute(parent_type, name, strawberry_field, resolve)
    return _FieldPlan(
        key,
        definition,
        [d.node for d in details],
        None if attribute is not None else resolve,
        attribute,
        _arguments(executor, definition, node),
        complete,
        nested,
    )


def _attribute(
    parent_type: GraphQLObjectType,
    name: str,
    strawberry_field: object,
    resolve: Callable[..., Any],
) -> Callable[[Any], Any] | None:
    """How to read a field that needs no resolver and no info, else None: `__typename`
    (the parent type's name), or a Strawberry field without resolver or extension, which
    Strawberry resolves with its config's default resolver (`getattr`) and no info (it
    marks that resolver `_is_default`)."""
    if name == "__typename":
        type_name = parent_type.name
        return lambda _: type_name
    if (
        isinstance(strawberry_field, StrawberryField)
        and strawberry_field.is_basic_field
        and getattr(resolve, "_is_default", False)
        and strawberry_field.default_resolver is getattr
    ):
        return attrgetter(strawberry_field.python_name)
    return None


@dataclass(frozen=True, slots=True)
class _Arguments:
    """A field's arguments as graphql-core's `get_argument_values` coerces them, decided
    once: the literal ones and the defaults of those not given (`constant`), and those given
    as a bare variable, read from the run's coerced variables."""

    constant: Mapping[str, Any]
    #: (the argument's name, the variable's, the argument's default (Undefined: none),
    #: whether its type is non-null, whether it is required).
    variables: tuple[tuple[str, str, Any, bool, bool], ...]

    def values(self, coerced: Mapping[str, Any]) -> dict[str, Any]:
        values = dict(self.constant)
        for name, variable, default, non_null, required in self.variables:
            value = coerced.get(variable, Undefined)
            if value is Undefined:
                if required:
                    raise _Abandon  # graphql-core: an invalid argument
                if default is not Undefined:
                    values[name] = default
            elif value is None and non_null:
                raise _Abandon  # graphql-core: an invalid argument
            else:
                values[name] = value
        return values


def _arguments(
    executor: Executor[Any], definition: GraphQLField, node: FieldNode
) -> _Arguments | None:
    """The plan of `node`'s arguments; None where graphql-core is to coerce them on each run
    (a variable inside a value, or a default or literal it would refuse)."""
    try:
        return _argument_plan(executor, definition, node)
    except (TypeError, GraphQLError):
        return None


def _argument_plan(
    executor: Executor[Any], definition: GraphQLField, node: FieldNode
) -> _Arguments | None:
    given = {argument.name.value: argument for argument in node.arguments or ()}
    constant: dict[str, Any] = {}
    variables: list[tuple[str, str, Any, bool, bool]] = []
    for name, argument in definition.args.items():
        argument_node = given.get(name)
        out_name = argument.out_name or name
        value_node = None if argument_node is None else argument_node.value
        if isinstance(value_node, VariableNode):
            default = coerce_default_value(argument)
            required = is_required_argument(argument)
            non_null = is_non_null_type(argument.type)
            variables.append((out_name, value_node.name.value, default, non_null, required))
        elif value_node is not None and _holds_variable(value_node):
            return None
        else:
            coerce_argument(
                constant, node, name, argument, argument_node, None, None, executor.hide_suggestions
            )
    return _Arguments(constant, tuple(variables))


def _holds_variable(value: Any) -> bool:
    if isinstance(value, VariableNode):
        return True
    inner = getattr(value, "values", None) or getattr(value, "fields", None) or ()
    return any(_holds_variable(getattr(item, "value", item)) for item in inner)


def _named(graphql_type: GraphQLOutputType) -> GraphQLOutputType:
    while is_non_null_type(graphql_type) or is_list_type(graphql_type):
        graphql_type = graphql_type.of_type
    return graphql_type


def _completion(
    executor: Executor[Any], return_type: GraphQLOutputType, details: FieldDetailsList
) -> Complete:
    """How a value of `return_type` is completed, as graphql-core's `complete_value` would
    complete it where it succeeds; `_Abandon` where graphql-core would raise an error."""
    if is_non_null_type(return_type):
        return _non_null(_completion(executor, return_type.of_type, details))
    if is_list_type(return_type):
        return _listed(_completion(executor, return_type.of_type, details))
    if is_leaf_type(return_type):
        return _leaf(return_type.coerce_output_value)
    if is_object_type(return_type) and return_type.is_type_of is None:
        subfields = collect_subfields(
            executor.schema,
            executor.fragments,
            executor.variable_values,
            executor.operation,
            return_type,
            details,
            executor.hide_suggestions,
        )
        return _object(_object_plan(executor, return_type, subfields))
    raise _Uncompilable  # an abstract type, or an object type that checks its values


def _non_null(inner: Complete) -> Complete:
    def complete(run: _Run, value: Any, path: Path | None) -> Any:
        completed = inner(run, value, path)
        if completed is None:
            raise _Abandon  # graphql-core: "Cannot return null for non-nullable field"
        return completed

    return complete


def _listed(item: Complete) -> Complete:
    def complete(run: _Run, value: Any, path: Path | None) -> Any:
        if value is None or value is Undefined:
            return None
        if type(value) is not list and type(value) is not tuple:
            raise _Abandon  # an iterable of another kind: graphql-core's to complete
        completed = []
        for index, entry in enumerate(value):
            if type(entry) not in _PLAIN:
                _settled(run, entry)
            completed.append(item(run, entry, Path(path, index, None)))
        return completed

    return complete


def _leaf(coerce: Callable[[Any], Any]) -> Complete:
    def complete(run: _Run, value: Any, path: Path | None) -> Any:
        if value is None or value is Undefined:
            return None
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _Abandon
        return coerced

    return complete


def _object(plan: _ObjectPlan) -> Complete:
    def complete(run: _Run, value: Any, path: Path | None) -> Any:
        if value is None or value is Undefined:
            return None
        return _execute(run, plan, value, path)

    return complete
