//===- Schedule.h - A fusion group's schedule -------------------*- C++ -*-===//
//
// The `dl.schedule` attribute of a dl.fusion, as dl-tile writes it and the
// Halide emitter reads it: a dictionary
//
//   {kind = "conv_channel_tiled", vector = 8, parallel = true, tile = [16, 3, 2, 4],
//    large_batch = {...}}
//
// The kinds and what their tiles mean are listed in Passes.td (dl-tile).
// The same keys, in JSON, override a group's schedule from a file. In C++
// the kind is a typed enum and each kind's tile a struct of named sizes;
// the attribute and the JSON keep the kind's name and the sizes as a list,
// in the struct's order.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DL_IR_SCHEDULE_H
#define DLC_DIALECT_DL_IR_SCHEDULE_H

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/JSON.h"

#include <memory>
#include <optional>
#include <string>

namespace dlc::dl {

/// How a fusion group's loop nest runs (Passes.td, dl-tile, says when each
/// is chosen; docs/compiling.md what each does).
enum class ScheduleKind {
  Pointwise,
  MatmulDot,
  MatmulRows,
  MatmulTiled,
  MatmulPacked,
  ConvChannelTiled,
  ConvRows,
  ConvGradFilterTiled,
  ConvGradFilterRfactor,
};

/// The kind's name in the attribute and JSON (`matmul_packed`).
llvm::StringRef stringifyScheduleKind(ScheduleKind kind);
std::optional<ScheduleKind> symbolizeScheduleKind(llvm::StringRef name);

/// Each kind's tile sizes, by name; 0 is the kind's default. list() gives
/// them in the attribute's order.
struct MatmulDotTile {
  /// Outputs of a row per task.
  int64_t outputs = 0;
  static MatmulDotTile of(llvm::ArrayRef<int64_t> t);
  llvm::SmallVector<int64_t> list() const { return {outputs}; }
};
struct MatmulTiledTile {
  /// Register tile: `columns` (tx) x `registerRows` (ry); `rows` (ty) per
  /// task; w^T transposed once per call (1) or packed per task (0).
  int64_t columns = 0, rows = 0, registerRows = 0, transposeOnce = 0;
  static MatmulTiledTile of(llvm::ArrayRef<int64_t> t);
  llvm::SmallVector<int64_t> list() const {
    return {columns, rows, registerRows, transposeOnce};
  }
};
struct MatmulPackedTile {
  /// Micro-kernel `columns` (tx) x `registerRows` (ry); tasks of `rows`
  /// (ty) x `taskColumns` (nc); k in slices of `depth` (kc).
  int64_t columns = 0, rows = 0, registerRows = 0, depth = 0, taskColumns = 0;
  static MatmulPackedTile of(llvm::ArrayRef<int64_t> t);
  llvm::SmallVector<int64_t> list() const {
    return {columns, rows, registerRows, depth, taskColumns};
  }
};
struct ConvChannelTiledTile {
  /// Register tile of `channels` (ct, vector lanes) x `positions` (xt)
  /// along a row x `rows` (yt); input channels in blocks of
  /// `channelBlock` (0: no blocking, and not listed).
  int64_t channels = 0, positions = 0, rows = 0, channelBlock = 0;
  static ConvChannelTiledTile of(llvm::ArrayRef<int64_t> t);
  llvm::SmallVector<int64_t> list() const {
    llvm::SmallVector<int64_t> l = {channels, positions, rows};
    if (channelBlock)
      l.push_back(channelBlock);
    return l;
  }
};
struct ConvRowsTile {
  /// Output channels per tile.
  int64_t channels = 0;
  static ConvRowsTile of(llvm::ArrayRef<int64_t> t);
  llvm::SmallVector<int64_t> list() const { return {channels}; }
};
struct ConvGradFilterTiledTile {
  /// Output channels (vector lanes) x filter columns in registers.
  int64_t channels = 0, kx = 0;
  static ConvGradFilterTiledTile of(llvm::ArrayRef<int64_t> t);
  llvm::SmallVector<int64_t> list() const { return {channels, kx}; }
};

struct Schedule {
  /// The name of the fusion group attribute.
  static constexpr llvm::StringLiteral kAttrName = "dl.schedule";

  ScheduleKind kind = ScheduleKind::Pointwise;
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

  /// The kind's name (`matmul_packed`).
  llvm::StringRef kindName() const { return stringifyScheduleKind(kind); }

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
