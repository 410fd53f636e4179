"""CloudFormation intrinsic functions, resolved against the local cloud's physical names.

Only what a CDK template uses for the resources the local cloud creates is implemented:
``Ref`` (resources, parameters with defaults, pseudo parameters incl. ``AWS::NoValue``),
``Fn::GetAtt`` (list or dotted form), ``Fn::Join``, ``Fn::Sub`` (both forms), ``Fn::Select``,
``Fn::Split``, ``Fn::Base64``, ``Fn::FindInMap``, ``Fn::ToJsonString`` and ``Fn::Length``.
Anything else raises :class:`UnsupportedIntrinsicError` naming where it was found.
"""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Any, Final, Protocol

from local.cloud.errors import UnsupportedIntrinsicError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["NO_VALUE", "Resolver", "ResourceNames", "is_intrinsic"]

_SUB_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")


class _NoValue:
    """``Ref: AWS::NoValue``: the enclosing key or list element disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()


class ResourceNames(Protocol):
    """How a template's logical ids map to local physical values."""

    def ref(self, logical_id: str, where: str) -> Any:
        """The value of ``{"Ref": logical_id}``."""
        ...

    def get_att(self, logical_id: str, attribute: str, where: str) -> Any:
        """The value of ``{"Fn::GetAtt": [logical_id, attribute]}``."""
        ...


def is_intrinsic(value: object) -> bool:
    """True for ``{"Ref": ...}`` or ``{"Fn::...": ...}`` (a one-key mapping)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))


class Resolver:
    """Resolves intrinsics in a template fragment; ``where`` names the location in errors."""

    def __init__(
        self,
        names: ResourceNames,
        *,
        pseudo: Mapping[str, str],
        parameters: Mapping[str, Any] | None = None,
        mappings: Mapping[str, Any] | None = None,
    ) -> None:
        self._names = names
        self._pseudo = dict(pseudo)
        self._parameters = dict(parameters or {})
        self._mappings = dict(mappings or {})

    def resolve(self, value: Any, where: str) -> Any:
        """Return ``value`` with every intrinsic replaced by its local value."""
        resolved = self._resolve(value, where)
        return None if resolved is NO_VALUE else resolved

    def resolve_str(self, value: Any, where: str) -> str:
        """Resolve ``value`` and require a string (numbers are converted, as CloudFormation does)."""
        resolved = self.resolve(value, where)
        if isinstance(resolved, bool) or not isinstance(resolved, str | int | float):
            raise UnsupportedIntrinsicError(f"{where}: expected a string, got {type(resolved).__name__}")
        return str(resolved)

    def _resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, list):
            items = [self._resolve(item, f"{where}[{index}]") for index, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if is_intrinsic(value):
            ((name, argument),) = value.items()
            return self._intrinsic(name, argument, f"{where}.{name}")
        resolved = {key: self._resolve(item, f"{where}.{key}") for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _intrinsic(self, name: str, argument: Any, where: str) -> Any:
        match name:
            case "Ref":
                return self._ref(self._scalar(argument, where), where)
            case "Fn::GetAtt":
                return self._get_att(argument, where)
            case "Fn::Join":
                return self._join(argument, where)
            case "Fn::Sub":
                return self._sub(argument, where)
            case "Fn::Select":
                return self._select(argument, where)
            case "Fn::Split":
                delimiter, source = self._pair(argument, where)
                return self._scalar(source, where).split(self._scalar(delimiter, where))
            case "Fn::Base64":
                return base64.b64encode(self._scalar(argument, where).encode()).decode()
            case "Fn::FindInMap":
                return self._find_in_map(argument, where)
            case "Fn::ToJsonString":
                return json.dumps(self._resolve(argument, where), separators=(",", ":"))
            case "Fn::Length":
                items = self._resolve(argument, where)
                if not isinstance(items, list):
                    raise UnsupportedIntrinsicError(f"{where}: Fn::Length needs a list")
                return len(items)
            case _:
                raise UnsupportedIntrinsicError(
                    f"{where}: intrinsic {name} is not supported by the local cloud"
                )

    def _scalar(self, value: Any, where: str) -> str:
        resolved = self._resolve(value, where)
        if isinstance(resolved, bool) or not isinstance(resolved, str | int | float):
            raise UnsupportedIntrinsicError(f"{where}: expected a string, got {type(resolved).__name__}")
        return str(resolved)

    def _pair(self, argument: Any, where: str) -> tuple[Any, Any]:
        if not isinstance(argument, list) or len(argument) != 2:
            raise UnsupportedIntrinsicError(f"{where}: expected a two-element list")
        return argument[0], argument[1]

    def _ref(self, target: str, where: str) -> Any:
        if target == "AWS::NoValue":
            return NO_VALUE
        if target in self._pseudo:
            return self._pseudo[target]
        if target.startswith("AWS::"):
            raise UnsupportedIntrinsicError(f"{where}: pseudo parameter {target} is not supported")
        if target in self._parameters:
            parameter = self._parameters[target]
            if isinstance(parameter, dict) and "Default" in parameter:
                return parameter["Default"]
            raise UnsupportedIntrinsicError(f"{where}: parameter {target} has no Default to use locally")
        return self._names.ref(target, where)

    def _get_att(self, argument: Any, where: str) -> Any:
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        elif isinstance(argument, list) and len(argument) == 2:
            logical_id = self._scalar(argument[0], where)
            attribute = self._scalar(argument[1], where)
        else:
            raise UnsupportedIntrinsicError(f"{where}: malformed Fn::GetAtt {argument!r}")
        if not logical_id or not attribute:
            raise UnsupportedIntrinsicError(f"{where}: malformed Fn::GetAtt {argument!r}")
        return self._names.get_att(logical_id, attribute, where)

    def _join(self, argument: Any, where: str) -> str:
        delimiter, parts = self._pair(argument, where)
        items = self._resolve(parts, where)
        if not isinstance(items, list):
            raise UnsupportedIntrinsicError(f"{where}: Fn::Join needs a list of values")
        return self._scalar(delimiter, where).join(
            self._scalar(item, f"{where}[{index}]") for index, item in enumerate(items)
        )

    def _sub(self, argument: Any, where: str) -> str:
        variables: dict[str, Any] = {}
        if isinstance(argument, list):
            if len(argument) != 2 or not isinstance(argument[1], dict):
                raise UnsupportedIntrinsicError(f"{where}: Fn::Sub list form needs [template, variables]")
            template = argument[0]
            variables = {key: self._scalar(item, f"{where}.{key}") for key, item in argument[1].items()}
        else:
            template = argument
        if not isinstance(template, str):
            raise UnsupportedIntrinsicError(f"{where}: Fn::Sub template must be a string")

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, _, attribute = name.partition(".")
                return self._scalar(self._names.get_att(logical_id, attribute, where), where)
            return self._scalar(self._ref(name, where), where)

        return _SUB_VARIABLE.sub(substitute, template)

    def _select(self, argument: Any, where: str) -> Any:
        index, items = self._pair(argument, where)
        resolved = self._resolve(items, where)
        try:
            position = int(self._scalar(index, where))
        except ValueError as exc:
            raise UnsupportedIntrinsicError(f"{where}: Fn::Select index must be an integer") from exc
        if not isinstance(resolved, list) or not 0 <= position < len(resolved):
            raise UnsupportedIntrinsicError(f"{where}: Fn::Select index {position} is out of range")
        return resolved[position]

    def _find_in_map(self, argument: Any, where: str) -> Any:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise UnsupportedIntrinsicError(f"{where}: Fn::FindInMap needs [map, key, key]")
        map_name, first, second = (self._scalar(item, where) for item in argument[:3])
        try:
            return self._mappings[map_name][first][second]
        except (KeyError, TypeError):
            if len(argument) == 4 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
                return self._resolve(argument[3]["DefaultValue"], where)
            raise UnsupportedIntrinsicError(
                f"{where}: Fn::FindInMap found no {map_name}.{first}.{second} in Mappings"
            ) from None
