"""Brian2's CUBA example (Brette et al. 2007, benchmark 2; brian2/examples/CUBA.py), run by
`wgneuro bench network` beside wgneuro. Prints one JSON object: wall time of run(), firing-rate
statistics and the target that ran. Usage: python3 cuba_brian2.py SEED DURATION_MS TARGET"""
import json
import sys
import time

import numpy as np
from brian2 import NeuronGroup, Network, SpikeMonitor, Synapses, defaultclock, ms, mV, prefs, seed as set_seed

seed, duration_ms, target = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
prefs.codegen.target = target
set_seed(seed)
defaultclock.dt = 0.1 * ms
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
eqs = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="exact")
P.v = "Vr + rand() * (Vt - Vr)"
P.ge = 0 * mV
P.gi = 0 * mV
we = (60 * 0.27 / 10) * mV  # 1.62 mV
wi = (-20 * 4.5 / 10) * mV  # -9 mV
Ce = Synapses(P, P, on_pre="ge += we")
Ci = Synapses(P, P, on_pre="gi += wi")
Ce.connect("i<3200", p=0.02)
Ci.connect("i>=3200", p=0.02)
mon = SpikeMonitor(P)
net = Network(P, Ce, Ci, mon)
# The first run() generates, compiles (or loads from cache) and prepares the code: time it apart, over
# one step, so the timed run is the simulation itself (wgneuro's pipelines are compiled in a warm-up too).
t0 = time.perf_counter()
net.run(defaultclock.dt)
setup = time.perf_counter() - t0
t0 = time.perf_counter()
net.run(duration_ms * ms - defaultclock.dt)
wall = time.perf_counter() - t0
i = np.asarray(mon.i)
t = np.asarray(mon.t / ms)
print(json.dumps({"target": target, "seed": seed, "durationMs": duration_ms, "wallSeconds": wall, "setupSeconds": setup,
                  "neuron": i.tolist(), "timeMs": t.tolist()}))
