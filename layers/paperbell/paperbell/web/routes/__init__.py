"""The API's routes, one Powertools ``Router`` per concern, joined in :mod:`paperbell.web.app`
with ``include_router``. A route only parses the request (:mod:`..request`), calls one
use case in :mod:`paperbell.services` and renders (:mod:`..pages`, :mod:`..feeds`,
:mod:`..responses`). Imported only by :mod:`paperbell.web.app`.
"""
