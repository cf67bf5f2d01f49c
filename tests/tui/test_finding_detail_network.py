"""The findings pane's detail shows a network-connection finding's direction, ports and
remote address (the SSH brute-force and threat-list caller findings have no API call)."""

from __future__ import annotations

from labguide.tui.panes.findings import finding_detail

FINDING = {
    "Title": "203.0.113.50 is performing SSH brute force attacks against i-0web.",
    "Type": "UnauthorizedAccess:EC2/SSHBruteForce", "Severity": 2.0,
    "Resource": {"ResourceType": "Instance", "InstanceDetails": {"InstanceId": "i-0web"}},
    "Service": {"Count": 7, "ResourceRole": "TARGET", "Action": {
        "ActionType": "NETWORK_CONNECTION", "NetworkConnectionAction": {
            "ConnectionDirection": "INBOUND", "Protocol": "TCP",
            "LocalPortDetails": {"Port": 22, "PortName": "SSH"},
            "RemotePortDetails": {"Port": 50022, "PortName": "Unknown"},
            "RemoteIpDetails": {"IpAddressV4": "203.0.113.50",
                                "Organization": {"Org": "Example Net"}}}}},
}


def test_network_connection_is_shown():
    text = finding_detail(FINDING).plain
    assert "networkConnectionAction" in text
    assert "direction INBOUND  (TARGET)  protocol TCP" in text
    assert "local port 22 SSH" in text
    assert "remote 203.0.113.50 port 50022 Example Net" in text
    assert "instanceId   i-0web" in text


def test_an_api_call_finding_has_no_network_section():
    api = {**FINDING, "Service": {"Action": {"AwsApiCallAction": {"Api": "GetObject"}}}}
    assert "networkConnectionAction" not in finding_detail(api).plain
