"""The multi-object tracker: every live track is re-prompted from its own past, all prompts
of a frame are decoded in one batched call, and the masks are associated with tracks by
mask IoU (Hungarian). Talks to models only through the ``Segmenter`` protocol.

Its rooms: the configuration (``config``), track state and lifecycle (``track``), the
gates (``gates``), association (``association``), prompting (``prompting``), discovery
with its background model (``discovery``) and the appearance search (``search``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ..errors import SamtrackError, SamtrackWarning
from ..geometry import box_iou_batch, clip_box_xyxy, mask_intersections, mask_iou_batch
from ..types import (
    Frame,
    FrameResult,
    MaskCrops,
    Masks,
    Prompt,
    Segmenter,
    as_boxes,
    check_box_order,
    check_image,
    describe,
    prompt_list,
)
from .association import associate, distinct
from .config import TrackerConfig
from .discovery import Discovery, iou_step
from .gates import acceptable, at_border, partial_views
from .prompting import cut_to_box, interior_points, logit_scale, shift_logits
from .search import colour_signature, looks_alike, looks_like, search_boxes, signature_distance
from .track import Track, TrackState

__all__ = ["Track", "TrackState", "Tracker", "TrackerConfig"]

#: The most candidate-mask bytes one segmenter call may return while the tracker decodes
#: its prompts (they are chunked to fit; one prompt's candidates always fit).
CANDIDATE_BYTES = 256 * 2**20


class Tracker:
    """Tracks objects frame by frame: ``result = tracker.update(frame)``.

    New objects come from ``prompts`` (user prompts for this frame), ``detections``
    (detector boxes N x 4 for this frame) and, every ``discover_every`` frames, from the
    segmenter's segment-everything. Ids start at 1 for each Tracker.
    """

    def __init__(self, segmenter: Segmenter, config: TrackerConfig | None = None) -> None:
        self.segmenter = segmenter
        self.config = config or TrackerConfig()
        self.tracks: list[Track] = []
        self._next_id = 1
        self.frames_seen = 0
        self._segmented = -1  # the index of the last frame the segmenter saw
        self.discovery = Discovery(self.config)
        # ids of the tracks ever confirmed: only these appear in results, so only these
        # are reported as started, lost and ended
        self._confirmed_ids: set[int] = set()
        # ended tracks' colour signatures by id, oldest first (re-identification)
        self._ended: dict[int, np.ndarray] = {}

    @property
    def live_tracks(self) -> list[Track]:
        return [t for t in self.tracks if t.state is not TrackState.REMOVED]

    # -- the frame ------------------------------------------------------------------------

    def update(
        self,
        frame: Frame,
        prompts: Sequence[Prompt] = (),
        detections: np.ndarray | None = None,
    ) -> FrameResult:
        """Track into ``frame``: ``prompts`` start confirmed tracks, ``detections`` (N x 4
        xyxy) tentative ones, both only while fewer than ``max_objects`` tracks are live
        (prompts beyond that are left out with a SamtrackWarning, detections quietly)."""
        prompts, detections = self._check_input(frame, prompts, detections)
        every = self.config.segment_every
        if every > 1 and self.frames_seen % every and not prompts and (detections is None or not len(detections)):
            return self._coast(frame)
        live = self.live_tracks
        states_before = {t.id: t.state for t in live}
        room = max(0, self.config.max_objects - len(live))
        if len(prompts) > room:
            warnings.warn(
                f"frame {frame.index}: {len(prompts) - room} of {len(prompts)} prompts not "
                f"started: {len(live)} tracks are live and max_objects (--max-objects) is "
                f"{self.config.max_objects}",
                SamtrackWarning,
                stacklevel=2,
            )
            prompts = prompts[:room]
        embedding = self.segmenter.embed(frame.image)
        # where the tracks seen last frame were (this frame replaces the masks, never edits
        # them); a lost track's old mask is not held: its object may come back there
        previous_masks = [t.crop for t in live if t.state is not TrackState.LOST]
        self._predict(live)
        # User prompts start confirmed tracks; detector boxes start tentative ones.
        detected = self._detection_prompts(detections, live)[: room - len(prompts)]
        new_prompts = prompts + detected
        track_prompts = [self._prompt_for(track, live, frame.size) for track in live]
        all_prompts = track_prompts + new_prompts
        chosen = self._segment(embedding, all_prompts, live, frame.size)
        track_masks = chosen[: len(live)]  # views: no copy of every mask
        new_masks = chosen[len(live) :]
        matched = self._associate(live, track_masks, frame)
        matched |= self._search([t for t in live if t.id not in matched], matched, embedding, frame)
        matched |= self._coming_out(live, track_masks, matched, frame)
        for track in live:
            if track.id not in matched:
                track.miss(frame.size, self.config)
        for i, prompt in enumerate(new_prompts):
            mask = new_masks[i] if prompt.box is None else cut_to_box(new_masks[i], prompt.box)
            if mask.areas[0] > 0:
                self._start_track(mask, prompt.label, frame, confirmed=i < len(prompts))
        points = self.discovery.plan(frame, self.frames_seen, previous_masks, self.tracks)
        self.discovery.run(
            self.segmenter, embedding, frame, self.tracks,
            hit=lambda track, mask: track.hit(mask, frame, self.config),
            start=lambda mask: self._start_track(mask, "", frame, confirmed=False) is not None,
            points=points,
        )
        self.frames_seen += 1
        self._segmented = frame.index
        lifecycle = self._lifecycle(states_before)
        self.tracks = self.live_tracks
        return self._result(frame, *lifecycle)

    def _coast(self, frame: Frame) -> FrameResult:
        """A frame the segmenter skips (``segment_every``): the filters step forward, and
        each track shown on the last segmented frame is shown again, its mask moved by the
        displacement its filter predicts. No track's state changes but the filter's."""
        live = self.live_tracks
        self._predict(live)
        self.frames_seen += 1
        shown, masks, boxes, logits = [], [], [], []
        for t in live:
            if t.state is not TrackState.CONFIRMED or t.last_frame != self._segmented:
                continue
            dx, dy = t.displacement
            mask = t.crop.shifted(int(np.rint(dx)), int(np.rint(dy)))
            if not mask.areas[0]:
                continue  # moved out of the frame
            shown.append(t)
            masks.append(mask)
            boxes.append(mask.boxes[0])
            logits.append(shift_logits(t.logits, dx, dy, frame.size))
        return self._show(frame, shown, masks, boxes, logits)

    def _lifecycle(
        self, states_before: dict[int, TrackState]
    ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """(started, lost, ended) ids of this frame, from the states the tracks had
        before it and have now (removed ones included): started, a track confirmed for the
        first time; lost, a confirmed one that became lost; ended, a once-confirmed one
        removed. A tentative track that is dropped never showed, and is not reported."""
        started, lost, ended = [], [], []
        for t in self.tracks:
            if t.id not in self._confirmed_ids:
                continue
            before = states_before.get(t.id)
            if t.state is TrackState.LOST and before is not TrackState.LOST:
                lost.append(t.id)
            elif t.state is TrackState.REMOVED:
                ended.append(t.id)
                self._confirmed_ids.discard(t.id)
                if t.signature is not None:
                    self._ended[t.id] = t.signature
                    while len(self._ended) > self.config.max_objects:
                        del self._ended[next(iter(self._ended))]
        for t in self.tracks:
            if t.state is TrackState.CONFIRMED and t.id not in self._confirmed_ids:
                if t.discovered:
                    self._reidentify(t)
                if t.id in self._confirmed_ids:
                    continue  # a lost track's object found again: its id never ended
                self._confirmed_ids.add(t.id)
                started.append(t.id)
        return tuple(started), tuple(lost), tuple(ended)

    def _reidentify(self, track: Track) -> None:
        """Give a newly confirmed track the id of the ended track, or of a lost one (held
        where it left the frame, see :meth:`Track.miss`, or coasting on its prediction),
        whose colour signature is nearest its own, within ``reid_max_distance``: the same
        object, back after it was lost longer than ``max_age`` or left the frame, or found
        by discovery away from where its lost track predicts it (a fast object that turned
        while hidden). A lost track so found is dropped (its id lives on). The new track
        was tentative until now, so no result has shown its own id. (Lost tracks other
        than held ones were left out once, at a cost of HOTA on nano's long runs; today
        they gain: BENCHMARKS, Real motion part 19.)"""
        limit = self.config.reid_max_distance
        lost = {t.id: t for t in self.tracks if t.state is TrackState.LOST and t.signature is not None}
        gallery = {**self._ended, **{i: t.signature for i, t in lost.items()}}
        if limit <= 0 or track.signature is None or not gallery:
            return
        ids = list(gallery)
        distances = [signature_distance(track.signature, gallery[i]) for i in ids]
        best = int(np.argmin(distances))
        if distances[best] <= limit:
            track.id = ids[best]
            if track.id in lost:
                lost[track.id].state = TrackState.REMOVED
            else:
                del self._ended[track.id]

    def _check_input(
        self, frame: Frame, prompts: Sequence[Prompt], detections: np.ndarray | None
    ) -> tuple[list[Prompt], np.ndarray | None]:
        """SamtrackError for a frame, prompts or detections the tracker cannot use (shapes,
        types and boxes only: no per-pixel work); returns prompts as a list and detections
        as float64 N x 4."""
        if not isinstance(frame, Frame):
            raise SamtrackError(
                f"Tracker.update needs a samtrack.Frame, not {type(frame).__name__}: "
                "wrap an RGB image as Frame(index, time, image)"
            )
        check_image(frame.image, f"frame {frame.index}")
        size = next((t.crop.frame_size for t in self.live_tracks), None)
        if size is not None and size != frame.size:
            raise SamtrackError(
                f"frame {frame.index} is {frame.size[1]}x{frame.size[0]} but the tracks were "
                f"made on {size[1]}x{size[0]} frames: use one Tracker per video"
            )
        prompts = prompt_list(prompts, f"prompts for frame {frame.index}")
        for i, p in enumerate(prompts):
            check_box_order(p, f"prompt {i + 1} for frame {frame.index}")
        if detections is None:
            return prompts, None
        boxes = as_boxes(detections)
        if boxes is None:
            raise SamtrackError(
                f"detections for frame {frame.index} must be N x 4 xyxy boxes, "
                f"not {describe(detections)}"
            )
        bad = ~np.isfinite(boxes).all(axis=1)
        if bad.any():
            box = ",".join(f"{v:g}" for v in boxes[int(np.argmax(bad))])
            raise SamtrackError(
                f"detections for frame {frame.index}: box {box} is not 4 finite numbers"
            )
        # A box without width or height (a detector's box clipped at the frame edge) asks
        # for nothing: dropped quietly.
        return prompts, boxes[(boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])]

    # -- stages ---------------------------------------------------------------------------

    def _predict(self, live: list[Track]) -> None:
        for track in live:
            predicted = track.kalman.predict()
            track.predicted_box = predicted if self.config.use_kalman else track.box.copy()
        # A track held where it left the frame is no neighbour: its object is out.
        present = [t for t in live if not t.left]
        for track in live:
            track.alone = True
        if present:
            boxes = np.stack([t.predicted_box for t in present])
            touching = box_iou_batch(boxes, boxes) > 0
            for i, track in enumerate(present):
                track.alone = touching[i].sum() <= 1

    def _prompt_for(self, track: Track, live: list[Track], size: tuple[int, int]) -> Prompt:
        cfg = self.config
        if track.state is TrackState.LOST:
            # Its last mask is stale (points and logits would land on the occluder): the
            # predicted box alone asks for whatever is there now.
            return Prompt(box=clip_box_xyxy(track.predicted_box, size), track_id=track.id)
        dx, dy = track.displacement
        points = interior_points(track.crop, cfg.positive_points) + np.array([dx, dy], np.float32)
        labels = [1] * len(points)
        if cfg.negative_points:
            for other in live:
                if other is track or other.state is TrackState.LOST:
                    continue
                if box_iou_batch(track.predicted_box, other.predicted_box)[0, 0] > 0:
                    neg = interior_points(other.crop, 1) + other.displacement.astype(np.float32)
                    points = np.concatenate([points, neg])
                    labels += [0] * len(neg)
        box = track.predicted_box
        if track.reach is not None:
            # The last answer reached past its prompt: the segmenter stopped where it
            # stopped looking. Ask at least as far as it reached, moved with the object.
            reach = track.reach + np.array([dx, dy, dx, dy])
            box = np.concatenate([np.fmin(box[:2], reach[:2]), np.fmax(box[2:], reach[2:])])
        box = clip_box_xyxy(box, size)
        logits = None
        if cfg.use_logits and track.logits is not None:
            logits = shift_logits(track.logits, dx, dy, size)
        return Prompt(
            box=box,
            points=points if len(points) else None,
            labels=np.array(labels) if len(points) else None,
            mask_logits=logits,
            track_id=track.id,
        )

    def _detection_prompts(self, detections: np.ndarray | None, live: list[Track]) -> list[Prompt]:
        """Detector boxes that no live track already covers become box prompts."""
        if detections is None or len(detections) == 0:
            return []
        boxes = np.asarray(detections, dtype=np.float32).reshape(-1, 4)
        if live:
            iou = box_iou_batch(boxes, np.stack([t.predicted_box for t in live]))
            boxes = boxes[iou.max(axis=1) < 0.5]
        return [Prompt(box=b) for b in boxes]

    def _segment(
        self,
        embedding: object,
        prompts: list[Prompt],
        live: list[Track],
        size: tuple[int, int],
        references: list[np.ndarray] | None = None,
    ) -> Masks:
        """Decode every prompt and keep one mask per prompt. The first ``len(live)``
        prompts are those tracks' (``references``: their expected boxes, by default the
        predicted ones). Prompts go to the segmenter in chunks of at most
        :data:`CANDIDATE_BYTES` of candidate masks, and only each prompt's chosen mask
        is kept: with three candidates a prompt, a thousand prompts on a 720p frame would
        otherwise hold 2.8 GB of candidates at once."""
        if not prompts:
            return Masks.empty(*size)
        cfg = self.config
        if references is None:
            references = [clip_box_xyxy(t.predicted_box, size) for t in live]
        reference = list(references) + [p.box for p in prompts[len(live):]]
        per_prompt = (3 if cfg.multimask else 1) * size[0] * size[1]
        step = max(1, CANDIDATE_BYTES // per_prompt)
        chosen = []
        for start in range(0, len(prompts), step):
            part = prompts[start : start + step]
            candidates = self.segmenter.segment(embedding, part, multimask=cfg.multimask)
            candidates.masks = MaskCrops.from_dense(candidates.masks)
            per = len(candidates) // len(part)
            scores = candidates.scores.reshape(len(part), per).astype(np.float64)
            combined = scores.copy()
            for i in range(len(part)):
                ref = reference[start + i]
                if ref is None:
                    continue
                rows = slice(i * per, (i + 1) * per)
                motion = box_iou_batch(candidates.boxes[rows], ref)[:, 0]
                combined[i] = cfg.motion_weight * motion + (1 - cfg.motion_weight) * scores[i]
                if start + i < len(live):
                    # A candidate the track's gates would refuse (a merge, a bloated
                    # answer) loses to any they accept.
                    combined[i] += acceptable(live[start + i], candidates[rows], size, cfg, reference=ref)
            best = candidates[np.arange(len(part)) * per + combined.argmax(axis=1)]
            best.prompt_index = best.prompt_index + start
            chosen.append(best)
        return chosen[0] if len(chosen) == 1 else Masks.concatenate(chosen)

    def _associate(self, live: list[Track], masks: Masks, frame: Frame) -> set[int]:
        """Match this frame's masks to tracks; returns the ids of matched tracks."""
        if not live:
            return set()
        cfg = self.config
        step = iou_step(*frame.size)
        small = masks.masks.downsampled(step)
        lost = np.array([t.state is TrackState.LOST for t in live])
        expected = MaskCrops.concatenate(
            [t.crop.downsampled(step).shifted(*np.round(t.displacement / step).astype(int)) for t in live]
        )
        iou = mask_iou_batch(expected, small)
        # A lost track's last mask is stale (often a sliver cut by the occluder): measure
        # it against its predicted box instead.
        for row, t in enumerate(live):
            if t.state is TrackState.LOST or cfg.associate_by == "box":
                iou[row] = box_iou_batch(masks.boxes, t.predicted_box)[:, 0]
        # How many seen tracks expect their object at each pixel: a mask that reaches into
        # another's place is contested (a merge, or two objects overlapping). A mask that
        # lies mostly where other tracks expect their objects and this one does not is
        # theirs: this track's object is hidden behind it, and the track may not take it.
        claims = expected[np.flatnonzero(~lost)].coverage()
        claimed = small.count_in(claims > 0)  # per mask
        shared = mask_intersections(expected, small, within=claims > 0)
        elsewhere = claimed[None, :] - shared  # tracks x masks
        allowed = np.stack([acceptable(t, masks, frame.size, cfg) for t in live])
        # A lost track (its object hidden) takes back a view that is whole, or one that
        # reaches into no seen track's place: a piece of an answer inside another object's
        # place is a piece of that object (a hidden track's box prompt, left inside the
        # object in front, gets pieces of it).
        in_others = claimed > 0.1 * np.maximum(small.areas, 1)
        for row in np.flatnonzero(lost):
            allowed[row] &= ~(in_others & partial_views(live[row], masks.areas, cfg))
        for row, t in enumerate(live):
            if t.left:  # held at the edge it left by: only what looks like it is it
                allowed[row] &= looks_alike(t, frame.image, masks, cfg.reid_max_distance)
        theirs = allowed & (elsewhere > 0.5 * np.maximum(small.areas, 1)[None, :])
        for row, col in zip(*np.nonzero(theirs)):
            # unless it looks like this track's object (a small model's mask of the other
            # object may have swallowed this one as it came out from behind it)
            allowed[row, col] = looks_like(live[row], frame.image, masks.boxes[col], cfg)
        # Duplicates (two prompts that found the same object): keep the best-scored one,
        # on a tie the larger (a prompt that cut the object made the smaller).
        allowed &= distinct(small, masks.scores, cfg.duplicate_iou)[None, :]
        cost = np.where(allowed, 1.0 - iou, np.inf)
        # Tracks seen last frame choose first, lost ones take what is left (DeepSORT's
        # matching cascade): a mask both want is far more likely the visible one's, and
        # the two costs (mask IoU, box IoU) are not on one scale.
        matched = set()
        free = np.arange(len(masks))
        taken: dict[int, np.ndarray | None] = {}  # mask -> signature of the seen track that took it
        for rows in (np.flatnonzero(~lost), np.flatnonzero(lost)):
            if taken and len(rows):  # the lost tracks' turn
                pieces = self._pieces_of_seen([live[r] for r in rows], masks, small, taken, frame.image)
                cost[rows] = np.where(pieces, np.inf, cost[rows])
            matches, _, unmatched = associate(cost[np.ix_(rows, free)], 1.0 - cfg.match_iou)
            for row, col in matches:
                track, c = live[rows[row]], int(free[col])
                if not lost[rows[row]]:
                    taken[c] = track.signature
                # pixels of the mask where another seen track expects its object
                if lost[rows[row]]:  # a lost track holds no place: every claim is another's
                    contested = bool(in_others[c])
                else:
                    others = claims - expected.paint(np.zeros_like(claims, dtype=bool), rows[row])
                    contested = small[[c]].count_in(others > 0)[0] > 0.1 * max(small.areas[c], 1)
                track.hit(masks[c], frame, cfg, contested=contested)
                matched.add(track.id)
            free = free[unmatched]
        return matched

    def _pieces_of_seen(
        self, lost: list[Track], masks: Masks, small: MaskCrops, taken: dict[int, np.ndarray | None],
        image: np.ndarray,
    ) -> np.ndarray:
        """Which masks each lost track may not take (bool, lost tracks x masks): those lying
        within a mask a seen track took this frame as much as duplicates overlap. What a
        seen track took is its object, and such a mask is a piece of it (a lost track's box
        prompt, left on the object in front, gets one), not a hidden object coming back;
        unless its colours are nearer the lost track's than that seen track's (a mask that
        swallowed the lost track's object as it came out)."""
        out = np.zeros((len(lost), len(masks)), dtype=bool)
        owners = np.array(sorted(taken))
        share = mask_intersections(small[owners], small) / np.maximum(small.areas, 1)[None, :]
        crops = MaskCrops.from_dense(masks.masks)
        for c in np.flatnonzero(share.max(axis=0) >= self.config.duplicate_iou):
            if c in taken:
                continue
            owner = taken[int(owners[np.argmax(share[:, c])])]
            signature = colour_signature(image, crops[[c]])
            for i, track in enumerate(lost):
                out[i, c] = (
                    signature is None or track.signature is None or owner is None
                    or signature_distance(track.signature, signature) >= signature_distance(owner, signature)
                )
        return out

    def _search(self, missed: list[Track], matched: set[int], embedding: object, frame: Frame) -> set[int]:
        """Look for recently missed tracks by appearance and prompt where they are found;
        returns the ids of tracks found again."""
        cfg = self.config
        missed = [t for t in missed if t.template is not None and t.misses < cfg.search_frames]
        if not missed:
            return set()
        held = self._held(matched, frame.size)
        places = search_boxes(missed, frame.image, held, cfg)
        if not places:
            return set()
        searched, boxes = [t for t, _ in places], [b for _, b in places]
        prompts = [Prompt(box=b, track_id=t.id) for t, b in places]
        masks = self._segment(embedding, prompts, searched, frame.size, references=boxes)
        found_ids = set()
        for i, (t, box) in enumerate(places):
            mask = masks[i : i + 1]
            if not acceptable(t, mask, frame.size, cfg, reference=box)[0]:
                continue
            if mask.masks.count_in(held)[0] > 0.5 * mask.areas[0]:
                continue  # it found an object another track holds
            t.predicted_box = box.astype(np.float64)
            t.hit(mask, frame, cfg)
            t.crop.paint(held)
            found_ids.add(t.id)
        return found_ids

    def _held(self, matched: set[int], size: tuple[int, int]) -> np.ndarray:
        """The pixels (bool H x W) the tracks matched this frame hold."""
        held = np.zeros(size, dtype=bool)
        for t in self.tracks:
            if t.id in matched:
                t.crop.paint(held)
        return held

    def _coming_out(self, live: list[Track], masks: Masks, matched: set[int], frame: Frame) -> set[int]:
        """Tracks seen last frame cut by an occluder (a partial view, whose box is also
        below ``occlusion_area_ratio`` of the full view's on one axis), alone (no other
        track's predicted box touches theirs), and missed by association and search, take
        their own prompt's answer when it is larger than that partial view, lies in their
        predicted box (IoU at least ``match_iou``), passes their gates and holds no pixels
        of a track matched this frame: the object coming out from behind the occluder,
        which the sliver, moved, no longer overlaps. Returns the ids of tracks taken."""
        cfg = self.config

        def cut(t: Track) -> bool:
            if t.id in matched or t.state is not TrackState.CONFIRMED or not (t.partial and t.alone):
                return False
            if at_border(t.box, frame.size):
                return False  # the frame's edge cut it, not an occluder: nothing comes out
            # Cut, not thinned: an occluder takes a part of the object's extent; a mask's
            # boundary moved by a pixel makes a thin object's view look partial by its area
            # alone, and keeps its extent.
            extent = (t.box[2:] - t.box[:2]) / np.maximum(t.full_box[2:] - t.full_box[:2], 1.0)
            return bool(extent.min() < cfg.occlusion_area_ratio)

        candidates = [i for i, t in enumerate(live) if cut(t)]
        if not candidates:
            return set()
        held = self._held(matched, frame.size)
        found = set()
        for i in candidates:
            t = live[i]
            mask = masks[i : i + 1]
            area = float(mask.areas[0])
            inside = box_iou_batch(mask.boxes, clip_box_xyxy(t.predicted_box, frame.size))[0, 0]
            if (
                area > t.crop.areas[0]
                and inside >= cfg.match_iou
                and acceptable(t, mask, frame.size, cfg)[0]
                and mask.masks.count_in(held)[0] == 0
            ):
                t.hit(mask, frame, cfg)
                found.add(t.id)
        return found

    def _start_track(self, mask: Masks, label: str, frame: Frame, confirmed: bool) -> Track | None:
        """Start a track from ``mask``; None (quietly) when ``max_objects`` are live."""
        if len(self.live_tracks) >= self.config.max_objects:
            return None
        track = Track.start(self._next_id, mask, label, frame, confirmed or self.config.n_init <= 1)
        track.discovered = not confirmed
        self._next_id += 1
        self.tracks.append(track)
        return track

    def _result(
        self,
        frame: Frame,
        started: tuple[int, ...] = (),
        lost: tuple[int, ...] = (),
        ended: tuple[int, ...] = (),
    ) -> FrameResult:
        shown = [
            t for t in self.tracks if t.state is TrackState.CONFIRMED and t.last_frame == frame.index
        ]
        return self._show(
            frame, shown, [t.crop for t in shown], [t.box for t in shown], [t.logits for t in shown],
            {"started": started, "lost": lost, "ended": ended},
        )

    @staticmethod
    def _show(
        frame: Frame,
        shown: list[Track],
        masks: list[MaskCrops],
        boxes: list[np.ndarray],
        logits: list[np.ndarray | None],
        lifecycle: dict[str, tuple[int, ...]] | None = None,
    ) -> FrameResult:
        """The result of ``frame``: the ``shown`` tracks with these masks, boxes and logits
        (the logits settle the pixels two masks claim)."""
        height, width = frame.size
        lifecycle = lifecycle or {}
        if not shown:
            result = FrameResult.empty(frame.index, frame.time, height, width)
            result.image = frame.image
            for key, ids in lifecycle.items():
                setattr(result, key, ids)
            return result
        scores = np.array([t.score for t in shown], dtype=np.float32)
        stack = _resolve_overlaps(MaskCrops.concatenate(masks), scores, logits)
        return FrameResult(
            frame_index=frame.index,
            time=frame.time,
            height=height,
            width=width,
            track_ids=np.array([t.id for t in shown], dtype=np.int64),
            masks=stack,
            boxes=np.stack(boxes).astype(np.float32),
            scores=scores,
            labels=[t.label for t in shown],
            image=frame.image,
            **lifecycle,
        )


def _resolve_overlaps(
    masks: MaskCrops, scores: np.ndarray, logits: Sequence[np.ndarray | None] | None = None
) -> MaskCrops:
    """Give each pixel claimed by several masks to one of them: the one whose low-res
    logit (one L x L per mask, see :func:`logit_scale`) is highest there, as SAM 2 keeps
    the masks of several objects apart; the highest-scored one where logits are missing
    or tie. Returns the settled masks (a dense stack is taken as crops); the crops given
    are not changed. Works one mask at a time, on its box: a masks x shared-pixels table
    of logits would take gigabytes when many objects overlap."""
    masks = MaskCrops.from_dense(masks)
    claims = masks.coverage()
    if claims.max(initial=0) <= 1:
        return masks
    shared = claims > 1

    order = np.argsort(-scores, kind="stable")
    owner = np.full(masks.frame_size, -1)
    for i in order[::-1]:  # the highest-scored last: it owns the pixel
        window = masks.slices(i)
        owner[window][masks.crops[i] & shared[window]] = i
    usable = logits is not None and len(logits) == len(masks)
    if usable and all(lg is not None and lg.ndim == 2 and lg.shape == logits[0].shape for lg in logits):
        side = logits[0].shape[-1]
        scale = logit_scale(logits[0], masks.frame_size)
        best = np.full(masks.frame_size, -np.inf, dtype=np.float32)
        for i in order:  # best-scored first, and only a higher logit takes a pixel: ties stay
            ys, xs = np.nonzero(masks.crops[i] & shared[masks.slices(i)])
            ys, xs = ys + masks.origins[i, 1], xs + masks.origins[i, 0]
            value = logits[i][np.minimum((ys * scale).astype(int), side - 1), np.minimum((xs * scale).astype(int), side - 1)]
            higher = value > best[ys, xs]
            best[ys[higher], xs[higher]] = value[higher]
            owner[ys[higher], xs[higher]] = i
    crops = []
    for i, crop in enumerate(masks.crops):
        window = masks.slices(i)
        crops.append(crop & (~shared[window] | (owner[window] == i)))
    return MaskCrops(crops, masks.origins, masks.frame_size)
