"""The closed vocabularies a scenario file may use.

They live here, in the lowest layer, so that validation can reject an unknown
name without importing the layers that implement them; those layers assert at
import time that their registries cover exactly these names.
"""

# Check kinds implemented in labguide.checks.
CHECK_KINDS: frozenset[str] = frozenset(
    {
        "answer",  # settled by a learner's typed answer to one of the step's questions
        "guardduty-filter-on-key",  # a saved GuardDuty filter selects the compromised key
        "role-sessions-revoked",  # a deny-all policy dated by aws:TokenIssueTime on the role
        "instance-restarted",  # running and started after the revocation (not rebooted)
        "instance-key-rotated",  # the instance's metadata credentials changed after revocation
    }
)

# Fact kinds implemented in labguide.checks.facts: how a value is discovered from the account.
FACT_KINDS: frozenset[str] = frozenset(
    {
        "guardduty-detector",  # the region's detector id
        "finding-access-key",  # accessKeyDetails.accessKeyId of the newest finding of a type
        "finding-role",  # the role behind that key (userName / principalId, confirmed in IAM)
        "finding-role-arn",  # that role's ARN, from IAM
        "finding-instance",  # the instance whose role session was stolen (principalId session)
        "finding-first-seen",  # eventFirstSeen of the finding: when the stolen key was first used
        "finding-type",  # the finding type the scenario watches for, as present in the account
        "instance-current-key",  # the AccessKeyId the instance holds now (IMDSv2 via SSM)
    }
)

# Live panes implemented in labguide.tui.panes.
PANE_NAMES: frozenset[str] = frozenset(
    {"alerts", "findings", "role", "instance", "shell", "attacker"}
)

# Worlds the simulator can build (labguide.sim.worlds).
WORLD_NAMES: frozenset[str] = frozenset({"iam-credential-theft"})

# Callout kinds the content may use: a fenced div `::: tip` ... `:::`.
CALLOUT_KINDS: frozenset[str] = frozenset({"info", "tip", "question", "warning"})
