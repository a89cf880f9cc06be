"""Constant-velocity Kalman filter over a box, one per track (filterpy).

State [xc, yc, a, h, vxc, vyc, va, vh]: centre, aspect ratio w/h, height and their
velocities, as in DeepSORT and SAMURAI; process and measurement noise scale with the
box height, so small and large objects are equally trusted.
"""

from __future__ import annotations

import numpy as np
from filterpy.kalman import KalmanFilter

from ..geometry import box_xyah_to_xyxy, box_xyxy_to_xyah


class KalmanBoxPredictor:
    """Predicts a track's box in the next frame from the boxes measured so far."""

    def __init__(
        self, box_xyxy: np.ndarray, std_position: float = 1 / 20, std_velocity: float = 1 / 160
    ) -> None:
        self.std_position = std_position
        self.std_velocity = std_velocity
        kf = KalmanFilter(dim_x=8, dim_z=4)
        kf.F = np.eye(8)
        kf.F[:4, 4:] = np.eye(4)
        kf.H = np.eye(4, 8)
        z = box_xyxy_to_xyah(box_xyxy)[0]
        kf.x = np.concatenate([z, np.zeros(4)]).reshape(8, 1)
        h = z[3]
        std = [
            2 * std_position * h, 2 * std_position * h, 1e-2, 2 * std_position * h,
            10 * std_velocity * h, 10 * std_velocity * h, 1e-5, 10 * std_velocity * h,
        ]
        kf.P = np.diag(np.square(std))
        self.kf = kf

    @property
    def box_xyxy(self) -> np.ndarray:
        """The current state's box, (4,) xyxy."""
        return box_xyah_to_xyxy(self.kf.x[:4, 0])[0]

    @property
    def velocity(self) -> np.ndarray:
        """Centre velocity (vx, vy) in pixels per frame."""
        return self.kf.x[4:6, 0].copy()

    def predict(self) -> np.ndarray:
        """Advance one frame; returns the predicted box (4,) xyxy."""
        h = max(self.kf.x[3, 0], 1.0)
        sp, sv = self.std_position * h, self.std_velocity * h
        self.kf.Q = np.diag(np.square([sp, sp, 1e-2, sp, sv, sv, 1e-5, sv]))
        self.kf.predict()
        self.kf.x[3, 0] = max(self.kf.x[3, 0], 1.0)
        self.kf.x[2, 0] = max(self.kf.x[2, 0], 1e-3)
        return self.box_xyxy

    def update(self, box_xyxy: np.ndarray) -> None:
        """Correct the state with a measured box (4,) xyxy."""
        z = box_xyxy_to_xyah(box_xyxy)[0]
        sp = self.std_position * max(z[3], 1.0)
        self.kf.R = np.diag(np.square([sp, sp, 1e-1, sp]))
        self.kf.update(z.reshape(4, 1))
