"""GuardDuty's URL table: moto's routes plus findings and threat intel sets.

moto reads a backend's URL table from the `urls` module beside its models
module, so `SimGuardDutyBackend` (in labguide.sim.guardduty.models) is served by
this table; `install()` also points moto's own table at it.
"""

from moto.guardduty.urls import url_bases as moto_url_bases

from labguide.sim.guardduty.responses import SimGuardDutyResponse

url_bases = list(moto_url_bases)

_dispatch = SimGuardDutyResponse.dispatch

url_paths = {
    "{0}/detector$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/administrator$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/filter$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/filter/(?P<filter_name>[^/]+)$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/findings$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/findings/get$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/findings/archive$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/findings/unarchive$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/findings/statistics$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/threatintelset$": _dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/threatintelset/(?P<threat_intel_set_id>[^/]+)$": _dispatch,
    "{0}/admin/enable$": _dispatch,
    "{0}/admin$": _dispatch,
}
