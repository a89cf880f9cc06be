"""Discovery: new objects and lost tracks found by single-point prompts where something
new may be, within a budget of points a frame: inside regions that changed against the
background model (``background``, registered to the camera's motion), and a sweep of a
grid over what the tracks do not hold."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from ..geometry import clip_box_xyxy, mask_intersections
from ..types import Frame, MaskCrops, Masks, Segmenter
from .association import associate
from .background import Background, small_size
from .config import TrackerConfig
from .gates import acceptable, at_border
from .search import looks_alike
from .track import Track, TrackState


def iou_step(height: int, width: int, target: int = 256) -> int:
    """Subsampling step that brings the longest side to about ``target`` for mask work
    (IoUs)."""
    return max(1, int(np.ceil(max(height, width) / target)))


class Discovery:
    """Decides where to look for new objects (:meth:`plan`), and looks (:meth:`run`).
    Holds the background model and the sweep's queue of grid cells; both are plain
    arrays and numbers (:meth:`state_dict`)."""

    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        self.background = Background()
        self._queue = np.zeros(0, dtype=np.int64)  # grid cells the sweep has still to visit
        self._last_sweep = -(10**9)  # frames_seen when the current sweep began
        self._stale: np.ndarray | None = None  # n x n: cells changed since the sweep's visit
        self._free_change: np.ndarray | None = None  # this frame's change outside the tracks

    def plan(
        self, frame: Frame, frames_seen: int, previous_masks: list[MaskCrops], tracks: list[Track]
    ) -> np.ndarray:
        """The points (M x 2 xy pixels) to prompt on this frame: one inside each new region,
        then the sweep's next grid points outside the tracks, at most
        ``discover_max_points`` in all (the first frame's whole grid excepted). The sweep
        starts again at most every ``discover_every`` frames, over the grid cells whose
        view changed since its last visit (with ``discover_on_change`` off: all of them)."""
        cfg = self.config
        if cfg.discover_every <= 0:
            return np.zeros((0, 2), np.float32)
        height, width = frame.size
        held = np.zeros((height, width), dtype=bool)
        for m in previous_masks + [t.crop for t in tracks if t.last_frame == frame.index]:
            m.paint(held)
        budget = cfg.discover_max_points
        points = self._changed(frame, held, budget) if cfg.discover_on_change else []
        n = cfg.discover_points_per_side
        if self._stale is None or self._stale.shape != (n, n):
            self._stale = np.ones((n, n), bool)
        if cfg.discover_on_change and self._free_change is not None:
            # a cell whose view has not changed since it was looked at would give the same
            # answer again: the sweep visits only those that changed
            h, w = self._free_change.shape
            rows = np.minimum(np.arange(h) * n // h, n - 1)
            cols = np.minimum(np.arange(w) * n // w, n - 1)
            cells = np.zeros((n, n), bool)
            ys, xs = np.nonzero(self._free_change)
            cells[rows[ys], cols[xs]] = True
            self._stale |= cells
        elif not cfg.discover_on_change:
            self._stale[:] = True
        if not len(self._queue) and frames_seen - self._last_sweep >= cfg.discover_every:
            self._queue, self._last_sweep = np.flatnonzero(self._stale), frames_seen
            self._stale[:] = False
        if frames_seen == 0:
            budget = n * n + budget  # the first look at a video takes the whole grid
        grid = (np.stack(np.unravel_index(self._queue, (n, n)), axis=1)[:, ::-1] + 0.5) / n
        grid *= (width, height)  # cell (row, col) -> its centre, xy pixels
        taken = 0
        for x, y in grid:
            if len(points) >= budget:
                break
            taken += 1
            if not held[int(y), int(x)]:
                points.append((x, y))
        self._queue = self._queue[taken:]
        return np.asarray(points, dtype=np.float32).reshape(-1, 2)

    def _changed(self, frame: Frame, held: np.ndarray, budget: int) -> list[tuple[float, float]]:
        """A point inside each region outside the tracks that differs from the background,
        largest first, at most ``budget`` (the others wait for a later frame); none when most of the free view changed (the camera moved more than
        the model follows, or the light changed: the model starts again)."""
        h, w = small_size(*frame.size)
        held_small = cv2.resize(held.astype(np.uint8), (w, h), interpolation=cv2.INTER_AREA) > 0
        foreground = self.background.update(frame.image, exclude=held_small)
        self._free_change = None
        if foreground is None:
            return []
        # A pixel around the tracks too: their boundaries flicker.
        free = ~cv2.dilate(held_small.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        self._free_change = foreground & free
        new = self._free_change.astype(np.uint8)
        new = cv2.morphologyEx(new, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # no speckle
        # an object's changed pixels come in fragments (parts of it look like what it
        # covers): join those a few pixels apart into one region
        new = cv2.morphologyEx(new, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
        if new.sum() > 0.5 * max(int(free.sum()), 1):
            self.background.reset(self.background.last)  # type: ignore[arg-type]
            return []
        count, labels, stats, _ = cv2.connectedComponentsWithStats(new, connectivity=8)
        scale = (frame.size[0] / h) * (frame.size[1] / w)  # frame pixels per small pixel
        points = []
        for label in sorted(range(1, count), key=lambda i: -stats[i, cv2.CC_STAT_AREA]):
            if len(points) == budget or stats[label, cv2.CC_STAT_AREA] * scale < self.config.min_new_area:
                break
            region = labels == label
            # the region's most interior pixel: a point on the object, not on its edge
            inside = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 3)
            y, x = np.unravel_index(int(np.argmax(inside)), inside.shape)
            points.append(((x + 0.5) * frame.size[1] / w, (y + 0.5) * frame.size[0] / h))
            # looked at now: what is found there becomes a track, what is not is background
            self.background.absorb(region)
        return points

    def state_dict(self) -> dict[str, object]:
        stale = None if self._stale is None else self._stale.copy()
        return {"background": self.background.state_dict(), "queue": self._queue.copy(),
                "last_sweep": self._last_sweep, "stale": stale}

    def load_state_dict(self, state: dict[str, object]) -> None:
        self.background.load_state_dict(state["background"])  # type: ignore[arg-type]
        self._queue = np.asarray(state["queue"], dtype=np.int64)
        self._last_sweep = int(state["last_sweep"])  # type: ignore[arg-type]
        self._stale = None if state["stale"] is None else np.array(state["stale"], dtype=bool)

    def run(
        self,
        segmenter: Segmenter,
        embedding: object,
        frame: Frame,
        tracks: list[Track],
        hit: Callable[[Track, Masks], None],
        start: Callable[[Masks], bool],
        points: np.ndarray,
    ) -> None:
        """Segment everything at ``points`` (M x 2 xy, from :meth:`plan`); masks no
        visible track covers re-acquire lost tracks (``hit``) or start new ones
        (``start``, False when the tracker holds ``max_objects`` tracks: then no more are
        started)."""
        cfg = self.config
        height, width = frame.size
        if len(points) == 0:
            return
        found = segmenter.segment_everything(
            embedding,
            points_per_side=cfg.discover_points_per_side,
            pred_iou_thresh=cfg.discover_min_score,
            stability_score_thresh=cfg.discover_min_stability,
            points=points,
        )
        if len(found) == 0:
            return
        found.masks = MaskCrops.from_dense(found.masks)
        areas = found.areas
        keep = (areas >= cfg.min_new_area) & (areas <= cfg.max_new_area * height * width)
        seen = [t for t in tracks if t.state is not TrackState.LOST and t.last_frame == frame.index]
        keep &= ~self._fuller_views(seen, found, frame, hit)
        covered = np.zeros((height, width), dtype=bool)
        for t in seen:
            t.crop.paint(covered)
        overlap = found.masks.count_in(covered)
        keep &= overlap < cfg.max_new_coverage * np.maximum(areas, 1)
        found = found[keep]
        if len(found) == 0:
            return
        lost = [t for t in tracks if t.state is TrackState.LOST]
        unmatched = np.arange(len(found))
        if lost:
            cost = self._reacquire_cost(lost, found, frame.size)
            for row, t in enumerate(lost):
                if t.left:  # held at the edge it left by: only what looks like it is it
                    cost[row, ~looks_alike(t, frame.image, found, cfg.reid_max_distance)] = np.inf
            matches, _, unmatched = associate(cost, cfg.reacquire_distance)
            for row, col in matches:
                hit(lost[row], found[int(col)])
                found.masks.paint(covered, int(col))
            # A mask that lies mostly where a lost track is predicted is likely that object
            # merged with a neighbour or half hidden: a new id there would be a switch.
            expected = np.zeros((height, width), dtype=bool)
            for t in lost:
                if t.left:
                    continue  # held where it left the frame: what is there now is new
                x1, y1, x2, y2 = np.round(clip_box_xyxy(t.predicted_box, (height, width))).astype(int)
                expected[y1:y2, x1:x2] = True
            inside = found.masks[unmatched].count_in(expected)
            unmatched = unmatched[inside < 0.5 * np.maximum(found.areas[unmatched], 1)]
        # Best-scored first; a mask mostly on one just started (the same object with a
        # neighbouring region, say) starts nothing.
        for col in sorted(unmatched.tolist(), key=lambda c: -found.scores[c]):
            if found.masks[[col]].count_in(covered)[0] >= cfg.max_new_coverage * max(found.areas[col], 1):
                continue
            if not start(found[col]):
                break  # at the cap on live tracks
            found.masks.paint(covered, col)

    def _fuller_views(
        self, seen: list[Track], found: Masks, frame: Frame, hit: Callable[[Track, Masks], None]
    ) -> np.ndarray:
        """Discovered masks that are an entering object seen whole: each holds the whole
        mask (all but a 10% boundary) of one seen track, and of no other, whose box
        touches the frame's edge and whose views grow, and is larger than that track's
        growth gate lets it grow in one frame. An object driving in from the edge grows
        faster than its prompt box, and a segmenter that answers within the box keeps
        seeing the sliver it was first shown; discovery then started a second id on the
        object (bus-walkers in the composites). The track takes such a mask if its gates
        allow, and a mask taken starts no new track. Away from the edge, or on an exit,
        or by a smaller step, a larger mask holding a track's is more often a merge with
        what lies around it (taking those cost nano's suite 3 HOTA). Returns which masks
        were taken."""
        taken = np.zeros(len(found), dtype=bool)
        if not any(at_border(t.box, frame.size) for t in seen):
            return taken
        crops = MaskCrops.concatenate([t.crop for t in seen])
        held = mask_intersections(crops, found.masks) >= 0.9 * np.maximum(crops.areas, 1)[:, None]
        for col in np.flatnonzero(held.sum(axis=0) == 1):
            track = seen[int(np.flatnonzero(held[:, col])[0])]
            view = found[int(col)]
            if not at_border(track.box, frame.size) or track.area_trend[0] <= 0:
                continue  # not entering: not at the edge, or not growing
            larger = view.areas[0] > self.config.max_area_change * track.crop.areas[0]
            if larger and acceptable(track, view, frame.size, self.config)[0]:
                hit(track, view)
                taken[col] = True
        return taken

    def _reacquire_cost(self, lost: list[Track], found: Masks, size: tuple[int, int]) -> np.ndarray:
        """Distance from each lost track's predicted centre to each new mask's centre, in
        diagonals of the smaller of the two boxes: the track's last full view (the last
        box may be a sliver that an occluder left: a kicked ball hid, sped up and came out
        farther than predicted) and the found mask's (a small object within a large lost
        track's reach is not that track's object: a lost tennis player took a stroller 90
        px from its predicted centre), unless the frame's edge cuts the found mask. The
        diagonals widen 5% a frame lost (the prediction grows uncertain). inf where the
        found mask is larger than the growth gate allows. (DAVIS composites, bounded, seeds
        0-2: 4 -> 2 ID switches; the last box's diagonal alone missed the ball, the
        prediction's alone took neighbours once its size ran off while coasting.)"""
        pred = np.stack([t.predicted_box for t in lost])
        centre_pred = (pred[:, :2] + pred[:, 2:]) / 2
        centre_new = (found.boxes[:, :2] + found.boxes[:, 2:]) / 2
        dist = np.linalg.norm(centre_pred[:, None] - centre_new[None], axis=2)
        full = np.array([np.hypot(*(t.full_box[2:] - t.full_box[:2])) for t in lost])
        found_diag = np.hypot(*(found.boxes[:, 2:] - found.boxes[:, :2]).T)
        found_diag[[at_border(b, size) for b in found.boxes]] = np.inf
        diag = np.maximum(np.minimum(full[:, None], found_diag[None, :]), 1.0)
        misses = np.array([t.misses for t in lost])[:, None]
        cost = dist / (diag * (1 + 0.05 * misses))
        area = np.array([max(t.area, 1.0) for t in lost])[:, None]
        ratio = found.areas[None, :] / area
        return np.where(ratio <= self.config.max_area_change, cost, np.inf)
