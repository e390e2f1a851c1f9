//===- Recurrent.cpp - CPU schedules of the LSTM step kernels -------------===//
//
// Each step's kernel is small (one time step of a batch): the gates are
// computed once at root, rows in parallel, the gate dim on vector lanes;
// the reverse step computes its intermediates at root because the host
// updates dh and dc in place, and they must be read before any output is
// written.
//
//===----------------------------------------------------------------------===//

#include "CPUSchedules.h"

namespace dlc {
namespace halide {
namespace cpu {

using TS = H::TailStrategy;

void scheduleLSTMStages(const ScheduleContext &c, const LSTMStages &lstm) {
  const int V = c.targetVector;
  H::Func gates = lstm.gates;
  std::vector<H::Var> gv = gates.args(); // g, b
  gates.compute_root().parallel(gv[1]).vectorize(gv[0], V, TS::GuardWithIf);
  if (!lstm.dz.defined())
    return;
  // f(inner, rows): the inner dim on lanes, rows in parallel.
  for (H::Func fn : {lstm.tanhC, lstm.dhTotal, lstm.dcTotal})
    fn.compute_root().vectorize(fn.args()[0], V, TS::GuardWithIf);
  H::Func dz = lstm.dz;
  dz.compute_root().parallel(dz.args()[1]).vectorize(dz.args()[0], V, TS::GuardWithIf);
  for (H::Func fn : lstm.dStates)
    fn.vectorize(fn.args()[0], V, TS::GuardWithIf).parallel(fn.args()[1]);
  for (size_t i = 0; i < 2; ++i) {
    H::Func fn = lstm.dWeights[i];
    fn.vectorize(fn.args()[0], V, TS::GuardWithIf).parallel(fn.args()[1]);
  }
  H::Func db = lstm.dWeights[2];
  db.vectorize(db.args()[0], V, TS::GuardWithIf);
}

} // namespace cpu
} // namespace halide
} // namespace dlc
