"""Roles, permissions and the fixed role → permission matrix."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from orderdesk.core.errors import Forbidden


class Role(StrEnum):
    admin = "admin"
    manager = "manager"
    staff = "staff"
    customer = "customer"


class Permission(StrEnum):
    users_read = "users.read"
    users_manage = "users.manage"
    units_manage = "units.manage"
    catalog_read = "catalog.read"
    catalog_manage = "catalog.manage"
    order_types_manage = "order_types.manage"
    orders_read = "orders.read"
    orders_create = "orders.create"
    orders_update = "orders.update"
    orders_delete = "orders.delete"
    audit_read = "audit.read"


P = Permission
MATRIX: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.manager: frozenset(
        {
            P.users_read,
            P.catalog_read,
            P.catalog_manage,
            P.orders_read,
            P.orders_create,
            P.orders_update,
            P.orders_delete,
        }
    ),
    Role.staff: frozenset({P.catalog_read, P.orders_read, P.orders_create, P.orders_update}),
    Role.customer: frozenset({P.catalog_read, P.orders_read, P.orders_create}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: a logged-in user, or the system itself (CLI, jobs, demo loader)."""

    user_id: int | None
    role: Role
    unit_id: int | None = None
    username: str = ""
    session_id: int | None = None

    @classmethod
    def system(cls) -> Principal:
        return cls(user_id=None, role=Role.admin, username="system")

    def can(self, permission: Permission) -> bool:
        return permission in MATRIX[self.role]

    @property
    def sees_all_units(self) -> bool:
        """Admins and managers see every unit; staff only their own; customers their own rows."""
        return self.role in (Role.admin, Role.manager)


def ensure(principal: Principal, permission: Permission) -> None:
    """Raise Forbidden unless the principal's role grants the permission."""
    if not principal.can(permission):
        raise Forbidden("auth.permission", role=principal.role.value)
