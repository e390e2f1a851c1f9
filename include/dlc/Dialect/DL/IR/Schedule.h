//===- Schedule.h - A fusion group's schedule -------------------*- C++ -*-===//
//
// The `dl.schedule` attribute of a dl.fusion, as dl-tile writes it and the
// Halide emitter reads it: a dictionary
//
//   {kind = "conv_channel_tiled", vector = 8, parallel = true, tile = [16, 3, 2, 4],
//    large_batch = {...}}
//
// The kinds and what their tiles mean are listed in Passes.td (dl-tile).
// The same keys, in JSON, override a group's schedule from a file.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_SCHEDULE_H
#define DLC_DIALECT_DL_IR_SCHEDULE_H

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/JSON.h"

#include <memory>
#include <string>

namespace dlc::dl {

struct Schedule {
  /// The name of the fusion group attribute.
  static constexpr llvm::StringLiteral kAttrName = "dl.schedule";

  std::string kind = "pointwise";
  /// Vector width in elements (f32 lanes).
  int64_t vector = 8;
  /// Whether the outer loop runs in parallel on the thread pool.
  bool parallel = true;
  /// Tile sizes; their meaning depends on the kind; 0 (or a missing
  /// entry) is the kind's default.
  llvm::SmallVector<int64_t> tile;
  /// A matmul with run-time rows: the schedule from kLargeBatchRows rows
  /// on (the host chooses per call).
  std::shared_ptr<Schedule> largeBatch;
  static constexpr int64_t kLargeBatchRows = 6;

  /// Every kind dl-tile and the Halide emitter know.
  static llvm::ArrayRef<llvm::StringRef> kinds();

  /// A conv register tile: {positions along a row, rows} for an output of
  /// `width` x `height` with `vectors` vectors of channels per position.
  /// Every accumulator, the step's `vectors` filter vectors and one
  /// broadcast input must fit `registers` vector registers (a spill in the
  /// inner loop costs more than a smaller tile). Among those tiles it takes
  /// the one with the least estimated time: positions computed twice by a
  /// shifted last tile, and steps bound by loads (filter vectors plus one
  /// broadcast per position) or by FMA latency (fewer than 10 independent
  /// accumulators leave the two FMA pipes idle).
  struct ConvTile {
    int64_t x, y;
  };
  static ConvTile convTile(int64_t width, int64_t height, int64_t vectors,
                           int64_t registers = 16);

  mlir::DictionaryAttr toAttr(mlir::MLIRContext *ctx) const;
  /// Reads `attr`; on a bad key or value, returns false and says why.
  static bool fromAttr(mlir::DictionaryAttr attr, Schedule &out, std::string &error);
  /// Applies the keys of a JSON object (an override) on top of `this`.
  bool merge(const llvm::json::Object &json, std::string &error);
  llvm::json::Object toJSON() const;
};

} // namespace dlc::dl

#endif // DLC_DIALECT_DL_IR_SCHEDULE_H
