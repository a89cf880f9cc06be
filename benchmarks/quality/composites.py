"""Many real objects at once: composite videos made from the DAVIS-2016 train sequences
(../shared/data), each object cut out of its sequence under its true mask and pasted into
another's frames (samtrack.eval.composite): 2-4 objects per video, later pasted = in
front, ground truth = each object's visible mask. The videos (VIDEOS) are built so that
objects pass behind one another, the same object appears twice (look-alikes) and some are
scaled down to a few tens of pixels; the script measures these properties from the ground
truth it builds and prints them before tracking (and stops if the list no longer has them).

Each object is prompted with its true box on its first frame with at least PROMPT_AREA
visible pixels, and is scored from that frame on. Methods: the tracker with its default
configuration (discovery included) and the baselines of real_motion.py (last-box, with
constant velocity, exact-box), under the four behaviours of the box oracle, seeds 0..n-1.
Scores: HOTA, AssA, IDSW and J&F (every frame), per video (mean over seeds; IDSW summed)
and pooled (TrackEval's combination over videos and seeds).

    python benchmarks/quality/composites.py [--jobs 2] [--seeds 3] [--behaviours ...] [--check]

Prints Markdown (progress on stderr).
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

from samtrack.eval.composite import Layer, compose, composite_length, place
from samtrack.eval.metrics import SequenceAccumulator, score
from samtrack.eval.oracle import BEHAVIOURS, BoxOracle
from samtrack.tracking.tracker import TrackerConfig
from samtrack.types import Frame, FrameResult, Prompt, mask_to_box_xyxy

sys.path.insert(0, str(Path(__file__).parent))
from real_motion import make_method  # the methods, built one way for both benchmarks

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "davis2016-train"
METHODS = ("samtrack", "last-box", "last-box+velocity", "exact-box")
FPS = 24.0
#: An object is prompted (and scored from then on) on its first frame with this many
#: visible pixels.
PROMPT_AREA = 100
MAX_FRAMES = 80


@dataclass(frozen=True)
class Paste:
    """One object pasted into a video: the object of sequence ``seq`` from its frame
    ``start``, scaled by ``scale``, its box centre in that first frame placed at ``at``
    (x, y pixels of the composite frame 0) and moving by ``velocity`` (px per frame) on
    top of its own motion."""

    seq: str
    at: tuple[float, float]
    velocity: tuple[float, float] = (0.0, 0.0)
    scale: float = 1.0
    start: int = 0


@dataclass(frozen=True)
class Video:
    """A composite video: the frames of ``background`` (its own object is target 1 when
    ``own``), then ``pastes`` back to front; at most ``frames`` frames."""

    name: str
    background: str
    own: bool
    pastes: tuple[Paste, ...]
    frames: int = MAX_FRAMES


VIDEOS = (
    # Two hikers: the same person twice, one walking past in front of the other.
    Video("hikers", "hike", True, (Paste("hike", (220, 282), (5, 0), start=10),)),
    # An elephant; a rhino walks past in front of it, a small ball rolls in front of both.
    Video("rhino-elephant", "elephant", True,
          (Paste("rhino", (-120, 300), (11, 0)), Paste("soccerball", (850, 420), (-4, 0), 0.5))),
    # A walker on the beach and a woman in the street; a bus drives past in front of both.
    Video("bus-walkers", "kite-walk", True,
          (Paste("lucia", (650, 290), (0.5, 0)), Paste("bus", (1100, 250), (-12, 0), 0.8))),
    # Two mallards: the same duck twice, the second nearer the camera, swimming past in front.
    Video("mallards", "mallard-water", True, (Paste("mallard-water", (150, 215), (4, 0), 1.3, start=20),)),
    # CCTV view of a road: three people about 35 px tall, two of them the same hiker, crossing.
    Video("far-walkers", "car-turn", False,
          (Paste("hike", (300, 420), (1.2, 0), 0.12), Paste("hike", (440, 425), (-1.5, 0), 0.12, start=25),
           Paste("lucia", (390, 410), (0.2, 0), 0.11))),
    # A woman in the street; a dancer jumps in front of her, a paraglider high above.
    Video("dancer-lucia", "lucia", True,
          (Paste("dance-jump", (150, 250), (4, 0)), Paste("paragliding", (700, 90), (-2, 0), 0.14))),
    # A flamingo twice, the second wading past in front of the first; a bear walks behind.
    Video("flamingos", "flamingo", True,
          (Paste("bear", (150, 330), (3, 0), 0.7), Paste("flamingo", (200, 260), (5, 0), start=10))),
    # A tennis player; a motorbike far behind, a stroller pushed past in front of the player.
    Video("tennis-stroller", "tennis", True,
          (Paste("motorbike", (100, 150), (2, 0), 0.18), Paste("stroller", (550, 260), (-10, 0)))),
    # A horse jumping; two far-away hikers (the same one twice) behind it, a bear walks past in front.
    Video("horse-bear", "horsejump-low", True,
          (Paste("hike", (200, 330), (1, 0), 0.12), Paste("hike", (650, 335), (-1, 0), 0.12, start=40),
           Paste("bear", (750, 300), (-6, 0), 0.9))),
)


# -- data --------------------------------------------------------------------------------


class _Images:
    """A sequence's frames (RGB) or masks (bool) read on demand, by index."""

    def __init__(self, paths: list[Path], mask: bool) -> None:
        self.paths, self.mask = paths, mask

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, k: int) -> np.ndarray:
        if self.mask:
            return cv2.imread(str(self.paths[k]), cv2.IMREAD_GRAYSCALE) > 0
        return cv2.cvtColor(cv2.imread(str(self.paths[k]), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


@functools.cache
def _sequence(data: str, seq: str) -> tuple[_Images, _Images]:
    folder = Path(data) / seq
    return (_Images(sorted((folder / "JPEGImages").glob("*.jpg")), mask=False),
            _Images(sorted((folder / "Annotations").glob("*.png")), mask=True))


@dataclass
class Composite:
    """A built video: per frame the image, the visible objects' ids and masks, and for
    every object in frame (hidden or not) the area and height of its whole mask."""

    video: Video
    sources: list[str]  # the source sequence of each object id (1, 2, ...)
    images: list[np.ndarray]
    ids: list[np.ndarray]
    masks: list[np.ndarray]
    whole: list[dict[int, tuple[int, int]]]  # id -> (area, height) px of the whole mask inside the frame

    def truth(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self.ids[i], self.masks[i]


def layers(video: Video, data: str) -> tuple[list[Layer], list[str]]:
    """The video's layers, back to front, with ids 1, 2, ... and their source sequences."""
    out, sources = [], []
    if video.own:
        frames, masks = _sequence(data, video.background)
        out.append(Layer(frames, masks, object_id=1))
        sources.append(video.background)
    for paste in video.pastes:
        frames, masks = _sequence(data, paste.seq)
        box = mask_to_box_xyxy(masks[paste.start][None])[0]
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        offset = (paste.at[0] - paste.scale * cx, paste.at[1] - paste.scale * cy)
        out.append(Layer(frames, masks, object_id=len(out) + 1, offset=offset, velocity=paste.velocity,
                         scale=paste.scale, start=paste.start))
        sources.append(paste.seq)
    return out, sources


def _extent(mask: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(mask.any(axis=1))
    return int(mask.sum()), int(rows[-1] - rows[0] + 1) if len(rows) else 0


@functools.lru_cache(maxsize=1)
def build(video: Video, data: str) -> Composite:
    stack, sources = layers(video, data)
    background, _ = _sequence(data, video.background)
    n = min(composite_length(len(background), stack), video.frames)
    out = Composite(video, sources, [], [], [], [])
    for t in range(n):
        c = compose(background[t], stack, t)
        out.images.append(c.image)
        out.ids.append(c.ids)
        out.masks.append(c.masks)
        whole = {i: _extent(m) for i, m in zip(c.ids.tolist(), c.full)}
        for layer in stack:  # objects wholly hidden are not in the ground truth
            if layer.object_id not in whole:
                area, height = _extent(place(layer, t, *c.image.shape[:2])[0])
                if area:
                    whole[layer.object_id] = (area, height)
        out.whole.append(whole)
    return out


def prompt_frames(comp: Composite) -> dict[int, int]:
    """Object id -> its first frame with at least PROMPT_AREA visible pixels."""
    first: dict[int, int] = {}
    for t, (ids, masks) in enumerate(zip(comp.ids, comp.masks)):
        for i, m in zip(ids.tolist(), masks):
            if i not in first and m.sum() >= PROMPT_AREA:
                first[i] = t
    return first


def properties(comp: Composite) -> dict:
    """What the video shows, measured on its ground truth: per object the longest run of
    frames hidden more than half (visible area < 50% of its whole mask inside the frame; a
    wholly hidden frame counts; leaving the frame does not), and the tallest its whole
    mask gets; look-alikes (a source sequence pasted twice)."""
    n = len(comp.sources)
    run, longest, tallest = np.zeros(n + 1, int), np.zeros(n + 1, int), np.zeros(n + 1, int)
    for ids, masks, whole in zip(comp.ids, comp.masks, comp.whole):
        visible = dict(zip(ids.tolist(), masks.reshape(len(masks), -1).sum(1).tolist()))
        hidden = np.zeros(n + 1, bool)
        for i, (area, height) in whole.items():
            tallest[i] = max(tallest[i], height)
            hidden[i] = visible.get(i, 0) < 0.5 * area
        run = np.where(hidden, run + 1, 0)
        longest = np.maximum(longest, run)
    hid, small = int(longest[1:].argmax()) + 1, int(tallest[1:].argmin()) + 1
    return {
        "objects": n,
        "frames": len(comp.images),
        "hidden_run": int(longest[hid]),
        "hidden_obj": hid,
        "min_height": int(tallest[small]),
        "small_obj": small,
        "lookalike": len(set(comp.sources)) < n,
        "prompted": len(prompt_frames(comp)),
    }


# -- tracking ------------------------------------------------------------------------------


def run_one(comp: Composite, behaviour: str, seed: int, method: str) -> SequenceAccumulator:
    """One method on one video: the accumulator of its ground truth (objects from their
    prompt frame on) and results."""
    oracle = BoxOracle(comp.truth, behaviour=behaviour, seed=seed)
    tracker = make_method(method, oracle, TrackerConfig())
    first = prompt_frames(comp)
    acc = SequenceAccumulator(kind="mask", name=comp.video.name)
    for t, image in enumerate(comp.images):
        ids, masks = comp.ids[t], comp.masks[t]
        prompts = [Prompt(box=mask_to_box_xyxy(m[None])[0]) for i, m in zip(ids.tolist(), masks) if first.get(i) == t]
        result = tracker.update(Frame(t, t / FPS, image), prompts)
        scored = np.array([first.get(i, len(comp.images)) <= t for i in ids.tolist()], bool)
        m = masks[scored]
        truth = FrameResult(t, t / FPS, *m.shape[1:], ids[scored], m, mask_to_box_xyxy(m), np.ones(len(m), np.float32))
        acc.add(truth, result)
    return acc


def run_task(task: tuple[str, str, str, list[tuple[int, str]]]) -> list[tuple]:
    data, name, behaviour, jobs = task
    comp = build(next(v for v in VIDEOS if v.name == name), data)
    out = []
    for seed, method in jobs:
        acc = run_one(comp, behaviour, seed, method)
        out.append((name, behaviour, seed, method, acc, score([acc], j_and_f=True)))
    print(f"  {name} / {behaviour}: {len(jobs)} runs", file=sys.stderr, flush=True)
    return out


def check_task(task: tuple[str, str]) -> tuple[str, dict]:
    data, name = task
    return name, properties(build(next(v for v in VIDEOS if v.name == name), data))


def check(props: dict[str, dict], videos: list[Video]) -> bool:
    """Print the per-video properties; True when the list has what it claims."""
    print("| video | objects (sources, back to front) | frames | longest run hidden > 50% (object id) | "
          "min object height px (object id) | look-alikes | prompted |")
    print("|---|---|---|---|---|---|---|")
    for v in videos:
        p = props[v.name]
        sources = ([v.background] if v.own else []) + [x.seq for x in v.pastes]
        print(f"| {v.name} | {p['objects']} ({', '.join(sources)}) | {p['frames']} | {p['hidden_run']} ({p['hidden_obj']}) "
              f"| {p['min_height']} ({p['small_obj']}) | {'yes' if p['lookalike'] else 'no'} | {p['prompted']} |")
    hidden = sum(p["hidden_run"] >= 10 for p in props.values())
    looks = sum(p["lookalike"] for p in props.values())
    small = sum(p["min_height"] < 40 for p in props.values())
    bad = [n for n, p in props.items() if not (40 <= p["frames"] <= 80 and 2 <= p["objects"] <= 4
                                                and p["prompted"] == p["objects"])]
    print(f"\nvideos with an object hidden > 50% for >= 10 frames: {hidden}; with look-alikes: {looks}; "
          f"with an object under 40 px tall: {small}; out of spec (frames, objects, prompts): {bad or 'none'}. "
          f"(Hidden: visible area < 50% of the whole mask inside the frame. Object height: the tallest its "
          f"whole mask gets; min over the video's objects.)\n")
    if len(props) == len(VIDEOS) and (hidden < 6 or looks < 2 or small < 2 or bad):
        print("the video list no longer has the properties it claims (need 6 / 2 / 2, none out of spec)", file=sys.stderr)
        return False
    return True


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--behaviours", nargs="+", default=list(BEHAVIOURS), choices=BEHAVIOURS)
    parser.add_argument("--videos", nargs="+", default=None, choices=[v.name for v in VIDEOS], help="only these videos")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--check", action="store_true", help="only build the videos and print their properties")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no DAVIS data at {args.data}; nothing to do", file=sys.stderr)
        return
    videos = [v for v in VIDEOS if args.videos is None or v.name in args.videos]
    data = str(args.data)
    t0 = time.perf_counter()
    with Pool(args.jobs) as pool:
        props = dict(pool.imap_unordered(check_task, [(data, v.name) for v in videos]))
        print(f"{len(videos)} composite videos of DAVIS 2016 train objects\n")
        ok = check(props, videos)
        if args.check or not ok:
            print(f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
            sys.exit(0 if ok else 1)
        tasks = [(data, v.name, b, [(s, m) for s in range(args.seeds) for m in args.methods])
                 for v in videos for b in args.behaviours]
        rows = [r for chunk in pool.imap_unordered(run_task, tasks) for r in chunk]
    methods = args.methods
    accs: dict[tuple, list[SequenceAccumulator]] = defaultdict(list)
    per: dict[tuple, list[dict]] = defaultdict(list)
    for name, behaviour, seed, method, acc, s in rows:
        accs[(behaviour, method)].append(acc)
        per[(name, behaviour, method)].append(s)
    print(f"Seeds 0-{args.seeds - 1}; tracker: default TrackerConfig (discovery on); objects prompted with their "
          f"true box on their first frame with >= {PROMPT_AREA} visible px and scored from then on; every frame "
          f"scored. Per video: HOTA x 100 (mean over seeds) / IDSW (sum over seeds); pooled: all videos and seeds "
          f"scored together.\n")
    pooled = {k: score(v, j_and_f=True) for k, v in accs.items()}
    for behaviour in args.behaviours:
        print(f"**{behaviour}**\n")
        print("| video | " + " | ".join(f"{m} HOTA | {m} IDSW" for m in methods) + " |")
        print("|---" * (2 * len(methods) + 1) + "|")
        for v in videos:
            cells = []
            for m in methods:
                runs = per[(v.name, behaviour, m)]
                cells += [f"{100 * np.mean([r['HOTA'] for r in runs]):.1f}", str(sum(r["IDSW"] for r in runs))]
            print(f"| {v.name} | " + " | ".join(cells) + " |")
        cells = []
        for m in methods:
            cells += [f"**{100 * pooled[(behaviour, m)]['HOTA']:.1f}**", f"**{pooled[(behaviour, m)]['IDSW']}**"]
        print("| **pooled** | " + " | ".join(cells) + " |\n")
    print("**summary** (pooled over videos and seeds: HOTA / AssA / IDSW / J&F)\n")
    print("| behaviour | " + " | ".join(methods) + " |")
    print("|---" * (len(methods) + 1) + "|")
    for behaviour in args.behaviours:
        cells = [f"{100 * p['HOTA']:.1f} / {100 * p['AssA']:.1f} / {p['IDSW']} / {100 * p['J&F']:.1f}"
                 for p in (pooled[(behaviour, m)] for m in methods)]
        print(f"| {behaviour} | " + " | ".join(cells) + " |")
    print(f"\n{time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
