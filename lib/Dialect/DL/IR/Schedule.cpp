//===- Schedule.cpp - A fusion group's schedule ---------------------------===//

#include "dlc/Dialect/DL/IR/Schedule.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace dlc::dl;

llvm::ArrayRef<llvm::StringRef> Schedule::kinds() {
  static const llvm::StringRef names[] = {
      "pointwise",         "matmul_dot",       "matmul_rows",       "matmul_tiled",
      "matmul_packed",
      "conv_channel_tiled", "conv_rows",       "conv_grad_filter_tiled",
      "conv_grad_filter_rfactor"};
  return names;
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
  if (!llvm::is_contained(Schedule::kinds(), s.kind)) {
    error = "unknown schedule kind '" + s.kind + "' (expected one of " +
            llvm::join(Schedule::kinds(), ", ") + ")";
    return false;
  }
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
      b.getNamedAttr("kind", b.getStringAttr(kind)),
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
      out.kind = cast<StringAttr>(value).str();
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
      kind = value.getAsString()->str();
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
  llvm::json::Object o{{"kind", kind},
                       {"vector", vector},
                       {"parallel", parallel},
                       {"tile", std::move(tiles)}};
  if (largeBatch)
    o["large_batch"] = largeBatch->toJSON();
  return o;
}
