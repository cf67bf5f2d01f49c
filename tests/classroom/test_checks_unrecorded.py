"""The class server's own check rounds sign with the seat's key but are the server's
monitoring, not the learner's calls: they stay out of the seat's CloudTrail event history,
and a participant cannot use the marker to hide calls of their own (its token is the
server's secret)."""

from __future__ import annotations

from tests.classroom.conftest import call, seat_client, serve


def _learner_events(joined) -> list[str]:
    trail = seat_client(joined, "cloudtrail")
    events = trail.lookup_events(LookupAttributes=[
        {"AttributeKey": "AccessKeyId", "AttributeValue": joined["access_key_id"]}])["Events"]
    return [e["EventName"] for e in events if e["EventName"] != "LookupEvents"]


def test_the_servers_checks_are_not_the_learners_calls(loaded, tmp_path):
    served = serve(loaded, tmp_path / "class", seats=1)
    try:
        code = served.state.seats()[0].join_code
        status, joined = call(served, "POST", "/class/join", {"code": code})
        assert status == 200, joined
        assert _learner_events(joined) == []
        served.room.check_seat(1)  # a whole round of reads with the seat's key
        assert _learner_events(joined) == []
        # A participant's call with the marker but a made-up token is theirs, and recorded.
        ec2 = seat_client(joined, "ec2")  # (IAM's events are kept in us-east-1, as on AWS)
        ec2.meta.events.register("before-sign.ec2.*", lambda request, **_:
                                 request.headers.__setitem__("X-Labguide-Checker", "0" * 32))
        ec2.describe_vpcs()
        seat_client(joined, "sts").get_caller_identity()
        assert {"DescribeVpcs", "GetCallerIdentity"} <= set(_learner_events(joined))
    finally:
        served.stop()
