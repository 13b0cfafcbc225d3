"""Title views kept between reads, each checked against the log at every read.

``GET /v1/titles/{id}`` is the catalogue's most frequent read, and a title changes seldom:
rebuilding the aggregate from its events on every request (read, decode, transcode the
portal, project) cost most of the request. A view kept here is handed out again only after
one indexed query has found no event of the title after the view's version, so a write by
any process (another HTTP worker, a CLI) is seen by the next read, exactly as before; a
title with newer events is loaded again. The views are bounded (least recently read out
first), so what the process holds does not grow with the catalogue.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from uuid import UUID

from application.logs import CatalogueLog
from application.views import TitleView
from domain.anchors.titles import Title

#: Views kept at most: a view is a few hundred bytes plus its portal's links.
KEPT_TITLES = 10_000


class TitleViews:
    def __init__(self, log: CatalogueLog, *, kept: int = KEPT_TITLES) -> None:
        self._log = log
        self._kept = kept
        self._views: OrderedDict[UUID, TitleView] = OrderedDict()
        # Guards the order of the views only; the store is never asked under it.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._views)

    def view(self, title_id: UUID) -> TitleView:
        with self._lock:
            kept = self._views.get(title_id)
        if kept is not None and not self._changed_since(title_id, kept.version):
            with self._lock:
                if title_id in self._views:
                    self._views.move_to_end(title_id)
            return kept
        view = TitleView.of(self._log.load(Title, title_id))
        with self._lock:
            current = self._views.get(title_id)
            # Two readers may load at once; the newer view is the one kept.
            if current is None or current.version <= view.version:
                self._views[title_id] = view
                self._views.move_to_end(title_id)
            while len(self._views) > self._kept:
                self._views.popitem(last=False)
        return view

    def _changed_since(self, title_id: UUID, version: int) -> bool:
        return bool(self._log.recorder.select_events(title_id, gt=version, limit=1))
