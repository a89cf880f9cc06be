"""What in the frame changed: a background model registered to the camera's motion.

Each pixel of a small copy of the frame (longest side about 160 px) keeps a running mean
of its colour and a variance. Before a frame is compared, the model is shifted by
the camera's motion since the last frame (corners followed by optical flow, a similarity
fitted with RANSAC), so a hand-held or panning camera does not make everything look new. A pixel is
foreground when its colour differs from its mean by more than ``k`` standard deviations
and more than a few levels. The state is three small arrays and two numbers:
:meth:`state_dict` / :meth:`load_state_dict` carry it to a resumed run.

(OpenCV's MOG2 does not compensate camera motion and its state cannot be saved, so the
model is written here; it is a few array operations per frame.)
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["Background", "small_size"]

_SIDE = 160  # longest side of the compared frames, px
_K = 3.0  # foreground beyond this many standard deviations...
_FLOOR = 10.0  # ...and beyond this many levels (RMS over R, G, B: noise, compression)
_LEARN = 1 / 30  # running-average rate: what stays ~30 frames becomes background
_VAR0 = 6.0**2  # variance of a pixel the model has not seen yet


def small_size(height: int, width: int) -> tuple[int, int]:
    """(h, w) of the compared frames: the longest side about 160 px, aspect kept."""
    scale = _SIDE / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


class Background:
    """Running mean colour and variance of a small frame, registered to the camera's motion."""

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.var: np.ndarray | None = None
        self.last: np.ndarray | None = None
        self._moving: np.ndarray | None = None  # the last foreground
        self.frames = 0

    def update(self, image: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray | None:
        """Compare an RGB uint8 H x W x 3 frame with the model, then learn it. Returns the
        foreground (bool, :func:`small_size`), or None on the first frame. ``exclude``
        (bool, small size): where objects are known to move (the tracks), left out of the
        camera's motion estimate."""
        h, w = small_size(*image.shape[:2])
        colour = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
        colour = cv2.GaussianBlur(colour, (3, 3), 0)
        grey = cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY)
        self.frames += 1
        if self.mean is None or self.mean.shape != colour.shape:
            self.reset(colour)
            return None
        assert self.var is not None and self.last is not None
        move = self._camera_motion(grey, exclude)
        if move is not None:  # the camera moved: so does the model
            self.mean = cv2.warpAffine(self.mean, move, (w, h), borderMode=cv2.BORDER_REPLICATE)
            self.var = cv2.warpAffine(self.var, move, (w, h), borderMode=cv2.BORDER_REPLICATE)
            # what comes into view at the edges has no past: it is taken as it is
            seen = cv2.warpAffine(np.ones((h, w), np.float32), move, (w, h)) > 0.99
            self.mean[~seen] = colour[~seen]
            self.var[~seen] = _VAR0
        # colour, not brightness alone: an object can be as bright as what it covers
        diff = colour - self.mean
        distance = (diff * diff).mean(axis=2)
        foreground = (distance > _K * _K * self.var) & (distance > _FLOOR * _FLOOR)
        # Learn everywhere, foreground more slowly, so a new object that stays still
        # becomes background in a few seconds and one passing by does not linger.
        rate = np.where(foreground, _LEARN / 4, _LEARN).astype(np.float32)
        self.mean += rate[..., None] * diff
        self.var += rate * (np.minimum(distance, 64 * 64) - self.var)
        np.maximum(self.var, 2.0**2, out=self.var)
        self.last = colour
        self._moving = foreground
        return foreground

    def _camera_motion(self, grey: np.ndarray, exclude: np.ndarray | None) -> np.ndarray | None:
        """The camera's motion from the last frame to this one as a 2 x 3 similarity
        (rotation, scale, translation; small pixels), or None when it did not move by half
        a pixel or cannot be told. Corners of the last frame are followed by optical flow
        and the motion is fitted with RANSAC, so objects moving on their own (outliers;
        the tracks and the last foreground are not even sampled) do not pull it."""
        assert self.last is not None
        last = cv2.cvtColor(self.last, cv2.COLOR_RGB2GRAY).astype(np.uint8)
        skip = np.zeros(grey.shape, bool)
        if self._moving is not None and self._moving.shape == grey.shape:
            skip |= self._moving
        if exclude is not None:
            skip |= exclude
        corners = cv2.goodFeaturesToTrack(
            last, maxCorners=200, qualityLevel=0.01, minDistance=4, mask=(~skip).astype(np.uint8)
        )
        if corners is None or len(corners) < 8:
            return None
        moved, found, _ = cv2.calcOpticalFlowPyrLK(last, grey.astype(np.uint8), corners, None)
        ok = found.ravel() == 1
        if ok.sum() < 8:
            return None
        move, inliers = cv2.estimateAffinePartial2D(corners[ok], moved[ok], method=cv2.RANSAC,
                                                    ransacReprojThreshold=1.0)
        if move is None or inliers is None or inliers.sum() < 8:
            return None
        corners_moved = cv2.transform(corners[ok], move) - corners[ok]
        if np.abs(corners_moved).max() < 0.5:
            return None
        return move.astype(np.float32)

    def absorb(self, region: np.ndarray) -> None:
        """Take the last frame as the background inside ``region`` (bool, small size): a
        change that has been looked at is not news on the next frame."""
        assert self.mean is not None and self.last is not None
        self.mean[region] = self.last[region]

    def reset(self, colour: np.ndarray) -> None:
        """Start again from this small frame (a cut, or the light changed)."""
        self.mean = colour.copy()
        self.var = np.full(colour.shape[:2], _VAR0, dtype=np.float32)
        self.last = colour

    def state_dict(self) -> dict[str, object]:
        """The whole state: arrays (copies) and a count."""
        arrays = {"mean": self.mean, "var": self.var, "last": self.last, "moving": self._moving}
        return {**{k: None if v is None else v.copy() for k, v in arrays.items()}, "frames": self.frames}

    def load_state_dict(self, state: dict[str, object]) -> None:
        self.mean, self.var, self.last, self._moving = (  # type: ignore[assignment]
            None if state[k] is None else np.array(state[k]) for k in ("mean", "var", "last", "moving")
        )
        self.frames = int(state["frames"])  # type: ignore[arg-type]
