"""One-shot encoder/decoder timings of every SAM size (random weights), samtrack only.

    python benchmarks/bench_quick_timings.py

A 1024x576 frame; one encoder forward (no warm-up), then decoder calls for 1 box and a
batch of 16 boxes after one warm-up decode. For the median-of-N comparison against the
official code in one process, see bench_models.py.
"""
import time, torch, numpy as np
torch.set_num_threads(2)
from samtrack.models.build import PRESETS, build_sam
from samtrack.models.predictor import Predictor
from samtrack.types import Prompt
rng=np.random.default_rng(0); img=rng.integers(0,255,(576,1024,3),dtype=np.uint8)
xy=rng.uniform(0,800,(16,2)); boxes=np.concatenate([xy,xy+rng.uniform(30,200,(16,2))],1).astype(np.float32)
for name in ["mobile_sam","sam_vit_b","sam_vit_l","sam_vit_h"]:
    torch.manual_seed(0); p=Predictor(build_sam(PRESETS[name]).eval(),device="cpu")
    t=time.perf_counter(); e=p.embed(img); te=time.perf_counter()-t
    pr=[Prompt(box=b) for b in boxes]; p.decode(e,pr[:1])
    t=time.perf_counter(); p.decode(e,pr[:1]); t1=time.perf_counter()-t
    t=time.perf_counter(); p.decode(e,pr); t16=time.perf_counter()-t
    print(f"| {name} | {te:.2f} | {1e3*t1:.0f} | {1e3*t16:.0f} |", flush=True)
    del p
