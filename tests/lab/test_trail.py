"""The CloudTrail pane's read: one lookup attribute asked of CloudTrail (AWS allows one),
the rest filtered on the record; IAM's us-east-1 history read too; pages bounded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from labguide.lab.trail import MAX_PAGES, EventFilter, read_events

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def event(n: int, region: str, key: str = "ASIAKEY", ip: str = "198.51.100.7") -> dict:
    record = {"eventID": f"{region}-{n}", "sourceIPAddress": ip,
              "userIdentity": {"accessKeyId": key}}
    return {"EventId": f"{region}-{n}", "EventName": "ListBuckets", "AccessKeyId": key,
            "EventTime": T0 + timedelta(seconds=n), "CloudTrailEvent": json.dumps(record)}


class Pages:
    """A stand-in Target: every region has endless pages of events; calls are recorded."""

    def __init__(self, region: str = "ap-southeast-2") -> None:
        self.region, self.calls = region, []

    def call(self, service, operation, *, region=None, **params):
        self.calls.append((service, operation, region, params))
        page = len([c for c in self.calls if c[2] == region]) - 1
        return {"Events": [event(100 * page + n, region, ip="203.0.113.9" if n == 3 else
                                 "198.51.100.7") for n in range(5)], "NextToken": f"t{page}"}


def test_unfiltered_it_reads_the_newest_page_of_both_regions():
    target = Pages()
    read = read_events(target, EventFilter())
    assert [(c[1], c[2]) for c in target.calls] == [("LookupEvents", "ap-southeast-2"),
                                                    ("LookupEvents", "us-east-1")]
    assert all("LookupAttributes" not in c[3] and c[3]["MaxResults"] == 50
               for c in target.calls)
    assert read.complete and read.regions == ("ap-southeast-2", "us-east-1")
    times = [e["EventTime"] for e in read.events]
    assert times == sorted(times, reverse=True)  # newest first, regions merged


def test_the_key_is_asked_of_cloudtrail_the_address_is_filtered_here():
    target = Pages(region="us-east-1")  # the global region: read once
    read = read_events(target, EventFilter(access_key="ASIAKEY", source_ip="203.0.113.9"))
    assert {c[2] for c in target.calls} == {"us-east-1"}
    assert len(target.calls) == MAX_PAGES  # older pages followed, bounded
    assert all(c[3]["LookupAttributes"] == [{"AttributeKey": "AccessKeyId",
                                             "AttributeValue": "ASIAKEY"}]
               for c in target.calls)
    assert target.calls[1][3]["NextToken"] == "t0"
    assert read.events and {json.loads(e["CloudTrailEvent"])["sourceIPAddress"]
                            for e in read.events} == {"203.0.113.9"}
    assert not read.complete and read.scanned == 5 * MAX_PAGES


def test_the_event_name_is_asked_when_no_key_is_given_and_other_keys_never_match():
    target = Pages(region="us-east-1")
    read_events(target, EventFilter(event_name="DeleteBucket"))
    assert target.calls[0][3]["LookupAttributes"] == [{"AttributeKey": "EventName",
                                                       "AttributeValue": "DeleteBucket"}]
    assert read_events(Pages(), EventFilter(access_key="ASIAOTHER")).events == []
