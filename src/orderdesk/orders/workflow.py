"""Status workflows: statuses, initial and terminal ones, transitions with the roles allowed."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from orderdesk.core.errors import FieldError, ValidationFailed
from orderdesk.core.permissions import Principal
from orderdesk.core.schemas import LocalizedText, StrictModel

StatusCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
TransitionRole = Literal["admin", "manager", "staff", "customer"]


class WorkflowStatus(StrictModel):
    code: StatusCode
    label: LocalizedText


class WorkflowTransition(StrictModel):
    from_status: StatusCode = Field(alias="from")
    to: StatusCode
    roles: list[TransitionRole] = Field(min_length=1, max_length=4)
    label: LocalizedText | None = None
    require_comment: bool = False
    stock: Literal["deduct", "return"] | None = Field(
        None, description="Deduct the lines' quantities from stock, or return them"
    )

    model_config = StrictModel.model_config | {"populate_by_name": True}


class Workflow(StrictModel):
    statuses: list[WorkflowStatus] = Field(min_length=1, max_length=50)
    initial: StatusCode
    terminal: list[StatusCode] = Field(default_factory=list, max_length=50)
    transitions: list[WorkflowTransition] = Field(default_factory=list, max_length=500)
    editable: list[StatusCode] | None = Field(
        None, description="Statuses in which lines and fields may change (default: non-terminal)"
    )


def check_workflow(workflow: Workflow, prefix: str = "workflow") -> dict[str, Any]:
    """Reject inconsistent workflows; return the JSON to store."""
    codes = [s.code for s in workflow.statuses]
    known = set(codes)
    errors: list[FieldError] = []
    if len(known) != len(codes):
        errors.append(FieldError(f"{prefix}.statuses", "duplicate"))
    if workflow.initial not in known:
        errors.append(FieldError(f"{prefix}.initial", "workflow_unknown_status"))
    for i, code in enumerate(workflow.terminal):
        if code not in known:
            errors.append(FieldError(f"{prefix}.terminal.{i}", "workflow_unknown_status"))
    if workflow.initial in workflow.terminal and len(known) > 1:
        errors.append(FieldError(f"{prefix}.initial", "workflow_initial_terminal"))
    seen: set[tuple[str, str]] = set()
    for i, tr in enumerate(workflow.transitions):
        path = f"{prefix}.transitions.{i}"
        for side, code in (("from", tr.from_status), ("to", tr.to)):
            if code not in known:
                errors.append(FieldError(f"{path}.{side}", "workflow_unknown_status"))
        if tr.from_status in workflow.terminal:
            errors.append(FieldError(f"{path}.from", "workflow_from_terminal"))
        if tr.from_status == tr.to or (tr.from_status, tr.to) in seen:
            errors.append(FieldError(path, "duplicate"))
        seen.add((tr.from_status, tr.to))
    outgoing = {tr.from_status for tr in workflow.transitions}
    if len(codes) > 1:
        errors.extend(
            FieldError(f"{prefix}.statuses", "workflow_dead_end", status=code)
            for code in codes
            if code not in workflow.terminal and code not in outgoing
        )
    for i, code in enumerate(workflow.editable or []):
        if code not in known:
            errors.append(FieldError(f"{prefix}.editable.{i}", "workflow_unknown_status"))
    if errors:
        raise ValidationFailed(errors)
    return workflow.model_dump(mode="json", by_alias=True, exclude_none=True)


def find_transition(workflow: dict[str, Any], from_status: str, to: str) -> dict[str, Any] | None:
    for tr in workflow.get("transitions", []):
        if tr["from"] == from_status and tr["to"] == to:
            return dict(tr)
    return None


def allowed_transitions(
    workflow: dict[str, Any], status: str, principal: Principal
) -> list[dict[str, Any]]:
    """Transitions out of a status that this principal's role may take."""
    return [
        dict(tr)
        for tr in workflow.get("transitions", [])
        if tr["from"] == status and principal.role.value in tr["roles"]
    ]


def is_terminal(workflow: dict[str, Any], status: str) -> bool:
    return status in workflow.get("terminal", [])


def is_editable(workflow: dict[str, Any], status: str) -> bool:
    editable = workflow.get("editable")
    if editable is not None:
        return status in editable
    return not is_terminal(workflow, status)


def status_label(workflow: dict[str, Any], status: str, locale: str) -> str:
    for entry in workflow.get("statuses", []):
        if entry["code"] == status:
            return str(entry["label"].get(locale, status))
    return status
