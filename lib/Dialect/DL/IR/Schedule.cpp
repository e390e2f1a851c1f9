//===- Schedule.cpp - A fusion group's schedule ---------------------------===//

#include "dlc/Dialect/DL/IR/Schedule.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace dlc::dl;

static const std::pair<ScheduleKind, llvm::StringLiteral> kKindNames[] = {
    {ScheduleKind::Pointwise, "pointwise"},
    {ScheduleKind::MatmulDot, "matmul_dot"},
    {ScheduleKind::MatmulRows, "matmul_rows"},
    {ScheduleKind::MatmulTiled, "matmul_tiled"},
    {ScheduleKind::MatmulPacked, "matmul_packed"},
    {ScheduleKind::ConvChannelTiled, "conv_channel_tiled"},
    {ScheduleKind::ConvRows, "conv_rows"},
    {ScheduleKind::ConvGradFilterTiled, "conv_grad_filter_tiled"},
    {ScheduleKind::ConvGradFilterRfactor, "conv_grad_filter_rfactor"},
};

llvm::StringRef dlc::dl::stringifyScheduleKind(ScheduleKind kind) {
  for (const auto &[k, name] : kKindNames)
    if (k == kind)
      return name;
  return "pointwise";
}

std::optional<ScheduleKind> dlc::dl::symbolizeScheduleKind(llvm::StringRef name) {
  for (const auto &[k, n] : kKindNames)
    if (n == name)
      return k;
  return std::nullopt;
}

/// Size `i` of a tile list, 0 where it has none.
static int64_t at(llvm::ArrayRef<int64_t> t, size_t i) { return i < t.size() ? t[i] : 0; }

MatmulDotTile MatmulDotTile::of(llvm::ArrayRef<int64_t> t) { return {at(t, 0)}; }
MatmulTiledTile MatmulTiledTile::of(llvm::ArrayRef<int64_t> t) {
  return {at(t, 0), at(t, 1), at(t, 2), at(t, 3)};
}
MatmulPackedTile MatmulPackedTile::of(llvm::ArrayRef<int64_t> t) {
  return {at(t, 0), at(t, 1), at(t, 2), at(t, 3), at(t, 4)};
}
ConvChannelTiledTile ConvChannelTiledTile::of(llvm::ArrayRef<int64_t> t) {
  return {at(t, 0), at(t, 1), at(t, 2), at(t, 3)};
}
ConvRowsTile ConvRowsTile::of(llvm::ArrayRef<int64_t> t) { return {at(t, 0)}; }
ConvGradFilterTiledTile ConvGradFilterTiledTile::of(llvm::ArrayRef<int64_t> t) {
  return {at(t, 0), at(t, 1)};
}

/// Reads a kind's name; on an unknown one, says which are known.
static bool parseKind(llvm::StringRef name, ScheduleKind &kind, std::string &error) {
  if (auto k = symbolizeScheduleKind(name)) {
    kind = *k;
    return true;
  }
  SmallVector<StringRef> names;
  for (const auto &entry : kKindNames)
    names.push_back(entry.second);
  error = "unknown schedule kind '" + name.str() + "' (expected one of " +
          llvm::join(names, ", ") + ")";
  return false;
}

Schedule::ConvTile Schedule::convTile(int64_t width, int64_t height,
                                      int64_t vectors, int64_t registers) {
  int64_t most = std::max<int64_t>(1, registers - vectors - 1);
  auto computed = [](int64_t n, int64_t t) { return (n + t - 1) / t * t; };
  ConvTile best{1, 1};
  double bestCost = 0;
  for (int64_t y = 1; y <= height; ++y)
    for (int64_t x = 1; x <= width && x * y * vectors <= most; ++x) {
      int64_t acc = x * y * vectors, loads = vectors + x * y;
      double waste = double(computed(width, x) * computed(height, y)) /
                     double(width * height);
      double cost = waste * double(std::max({acc, loads, int64_t(10)})) / double(acc);
      // Ties go to more accumulators, then to longer rows (contiguous
      // broadcasts).
      if (bestCost == 0 || cost < bestCost - 1e-9 ||
          (cost < bestCost + 1e-9 &&
           (acc > best.x * best.y * vectors ||
            (acc == best.x * best.y * vectors && x > best.x)))) {
        best = {x, y};
        bestCost = cost;
      }
    }
  return best;
}

static bool checkValues(const Schedule &s, std::string &error) {
  if (s.vector < 1 || s.vector > 64) {
    error = "vector width " + std::to_string(s.vector) + " is not in [1, 64]";
    return false;
  }
  for (int64_t t : s.tile)
    if (t < 0 || t > 4096) {
      error = "tile size " + std::to_string(t) + " is not in [0, 4096]";
      return false;
    }
  return true;
}

DictionaryAttr Schedule::toAttr(MLIRContext *ctx) const {
  Builder b(ctx);
  SmallVector<NamedAttribute> entries = {
      b.getNamedAttr("kind", b.getStringAttr(kindName())),
      b.getNamedAttr("parallel", b.getBoolAttr(parallel)),
      b.getNamedAttr("tile", b.getI64ArrayAttr(tile)),
      b.getNamedAttr("vector", b.getI64IntegerAttr(vector))};
  if (largeBatch)
    entries.push_back(b.getNamedAttr("large_batch", largeBatch->toAttr(ctx)));
  return b.getDictionaryAttr(entries);
}

bool Schedule::fromAttr(DictionaryAttr attr, Schedule &out, std::string &error) {
  out = Schedule();
  for (NamedAttribute entry : attr) {
    StringRef key = entry.getName().getValue();
    Attribute value = entry.getValue();
    if (key == "kind" && isa<StringAttr>(value)) {
      if (!parseKind(cast<StringAttr>(value).getValue(), out.kind, error))
        return false;
    } else if (key == "vector" && isa<IntegerAttr>(value)) {
      out.vector = cast<IntegerAttr>(value).getInt();
    } else if (key == "parallel" && isa<BoolAttr>(value)) {
      out.parallel = cast<BoolAttr>(value).getValue();
    } else if (key == "tile" && isa<ArrayAttr>(value)) {
      for (Attribute t : cast<ArrayAttr>(value)) {
        auto i = dyn_cast<IntegerAttr>(t);
        if (!i) {
          error = "'tile' must be a list of integers";
          return false;
        }
        out.tile.push_back(i.getInt());
      }
    } else if (key == "large_batch" && isa<DictionaryAttr>(value)) {
      out.largeBatch = std::make_shared<Schedule>();
      if (!fromAttr(cast<DictionaryAttr>(value), *out.largeBatch, error))
        return false;
    } else {
      error = "unexpected schedule entry '" + key.str() +
              "' (expected kind: string, vector: integer, parallel: bool, "
              "tile: list of integers, large_batch: schedule)";
      return false;
    }
  }
  return checkValues(out, error);
}

bool Schedule::merge(const llvm::json::Object &json, std::string &error) {
  for (const auto &[key, value] : json) {
    if (key == "kind" && value.getAsString()) {
      if (!parseKind(*value.getAsString(), kind, error))
        return false;
    } else if (key == "vector" && value.getAsInteger()) {
      vector = *value.getAsInteger();
    } else if (key == "parallel" && value.getAsBoolean()) {
      parallel = *value.getAsBoolean();
    } else if (key == "tile" && value.getAsArray()) {
      tile.clear();
      for (const llvm::json::Value &t : *value.getAsArray()) {
        if (!t.getAsInteger()) {
          error = "'tile' must be a list of integers";
          return false;
        }
        tile.push_back(*t.getAsInteger());
      }
    } else if (key == "large_batch" && value.getAsObject()) {
      if (!largeBatch)
        largeBatch = std::make_shared<Schedule>(*this);
      largeBatch->largeBatch.reset();
      if (!largeBatch->merge(*value.getAsObject(), error))
        return false;
    } else {
      error = "unexpected schedule entry '" + key.str() +
              "' (expected kind: string, vector: integer, parallel: bool, "
              "tile: list of integers, large_batch: object)";
      return false;
    }
  }
  return checkValues(*this, error);
}

llvm::json::Object Schedule::toJSON() const {
  llvm::json::Array tiles;
  for (int64_t t : tile)
    tiles.push_back(t);
  llvm::json::Object o{{"kind", kindName()},
                       {"vector", vector},
                       {"parallel", parallel},
                       {"tile", std::move(tiles)}};
  if (largeBatch)
    o["large_batch"] = largeBatch->toJSON();
  return o;
}
