"""What the pages offer, read from the workflow table (dossiers/workflow.py): never a second copy of the rules."""

from .. import workflow
from ..models import Dossier


def available_actions(dossier: Dossier, user) -> set[str]:
    """Actions the user may take on the dossier now (status, guards, role and scope all as the workflow
    says). The workflow checks everything again when the action is posted."""
    return set(workflow.allowed_actions(user, dossier))


def can_withdraw(dossier: Dossier, user) -> bool:
    return workflow.status_problem(dossier, "withdraw") is None and workflow.may_act(user, dossier, "withdraw")


def can_complete_supplement(dossier: Dossier, user) -> bool:
    return (workflow.status_problem(dossier, "complete_supplement") is None
            and workflow.may_act(user, dossier, "complete_supplement"))
