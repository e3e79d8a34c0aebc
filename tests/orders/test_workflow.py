"""Workflow rules, without HTTP: consistency checks and which transitions a role may take."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from orderdesk.core.errors import ValidationFailed
from orderdesk.core.permissions import Principal, Role
from orderdesk.orders.workflow import (
    Workflow,
    allowed_transitions,
    check_workflow,
    find_transition,
    is_editable,
    is_terminal,
    status_label,
)
from tests.factories import REQUEST_WORKFLOW, label


def stored(**changes: Any) -> dict[str, Any]:
    flow = copy.deepcopy(REQUEST_WORKFLOW)
    flow.update(changes)
    return check_workflow(Workflow.model_validate(flow))


def errors_of(flow: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        check_workflow(Workflow.model_validate(flow))
    return {e["field"]: e["code"] for e in caught.value.errors}


def test_check_workflow_returns_json_with_from_keys() -> None:
    flow = stored()
    assert flow["transitions"][3] == {
        "from": "accepted",
        "to": "transferred",
        "roles": ["admin", "manager", "staff"],
        "require_comment": False,
        "stock": "deduct",
    }


def test_single_status_workflow_may_be_initial_and_terminal() -> None:
    flow = {"statuses": [{"code": "done", "label": label("done")}], "initial": "done"}
    assert check_workflow(Workflow.model_validate({**flow, "terminal": ["done"]}))["initial"]


def test_check_workflow_reports_every_problem_at_once() -> None:
    flow = copy.deepcopy(REQUEST_WORKFLOW)
    flow["initial"] = "draft"
    flow["transitions"].append({"from": "completed", "to": "ghost", "roles": ["admin"]})
    assert errors_of(flow) == {
        "workflow.initial": "workflow_unknown_status",
        "workflow.transitions.7.from": "workflow_from_terminal",
        "workflow.transitions.7.to": "workflow_unknown_status",
    }


def test_dead_end_message_names_the_status() -> None:
    flow = copy.deepcopy(REQUEST_WORKFLOW)
    flow["statuses"].append({"code": "on_hold", "label": label("on hold")})
    with pytest.raises(ValidationFailed) as caught:
        check_workflow(Workflow.model_validate(flow))
    assert "on_hold" in caught.value.errors[0]["message"]


@pytest.mark.parametrize(
    ("role", "targets"),
    [
        (Role.admin, ["accepted", "rejected", "cancelled"]),
        (Role.manager, ["accepted", "rejected"]),
        (Role.staff, ["accepted", "rejected"]),
        (Role.customer, ["cancelled"]),
    ],
)
def test_allowed_transitions_depend_on_role(role: Role, targets: list[str]) -> None:
    principal = Principal(user_id=1, role=role)
    assert [t["to"] for t in allowed_transitions(stored(), "pending", principal)] == targets


def test_no_transitions_leave_a_terminal_status() -> None:
    assert allowed_transitions(stored(), "completed", Principal.system()) == []


def test_find_transition_only_finds_declared_moves() -> None:
    flow = stored()
    assert find_transition(flow, "pending", "rejected")["require_comment"] is True  # type: ignore[index]
    assert find_transition(flow, "pending", "completed") is None


def test_statuses_are_editable_until_terminal_unless_listed() -> None:
    flow = stored()
    assert is_editable(flow, "accepted")
    assert not is_editable(flow, "cancelled")
    assert is_terminal(flow, "cancelled")
    listed = stored(editable=["pending"])
    assert is_editable(listed, "pending")
    assert not is_editable(listed, "accepted")


def test_status_label_uses_the_locale_and_falls_back_to_the_code() -> None:
    flow = stored()
    flow["statuses"][0]["label"] = {"ru": "Новая", "en": "New"}
    assert status_label(flow, "pending", "ru") == "Новая"
    assert status_label(flow, "pending", "en") == "New"
    assert status_label(flow, "unknown", "ru") == "unknown"
