"""A resource as checks see it: type, name, URN and safe property reads."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from hipaa_policies.core.props import Props


class Resource(Props):
    """Props of one resource plus its identity and (in stack checks) its links."""

    __slots__ = ("type", "name", "urn", "parent", "dependencies", "property_dependencies")

    def __init__(self, type_: str, props: Any, urn: str = "", name: str = "",
                 parent: Optional[str] = None, dependencies: Optional[List[str]] = None,
                 property_dependencies: Optional[Mapping[str, List[str]]] = None) -> None:
        super().__init__(props)
        self.type = type_
        self.urn = urn
        self.name = name
        self.parent = parent
        self.dependencies = dependencies or []
        self.property_dependencies: Dict[str, List[str]] = dict(property_dependencies or {})

    def __repr__(self) -> str:
        return f"Resource({self.type!r}, {self.name!r})"
